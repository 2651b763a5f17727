// Runs the real console host, `dotnet perceptron.dll ...`, as a child process: in a working
// directory of the test's choosing (never the repository), with CI=true and NO_COLOR=1, a timeout
// that kills a hung child, and its exit code, stdout and stderr captured for the assertions.

using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Perceptron.Tests;

/// <summary>What a finished run of the console host left behind.</summary>
internal sealed record CliResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Lines(Stdout);

    public string[] StderrLines => Lines(Stderr);

    /// <summary>Everything about the run, for assertion messages.</summary>
    public override string ToString() =>
        $"perceptron {Command}\nexit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}

internal static class CliHost
{
    /// <summary>Long enough for a training run on a loaded 2-core machine; a hang fails after it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private static readonly Lazy<string> Dll = new(() =>
    {
        // The test project references the host with ReferenceOutputAssembly=false, so the host is
        // built first, in the same configuration and for the same framework as these tests.
        var configuration = typeof(CliHost).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var path = RepositoryFiles.Path(Path.Combine("src", "Perceptron.Cli", "bin", configuration, framework, "perceptron.dll"));
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"The console host is not built: {path} is missing (run dotnet build).");
    });

    /// <summary>The host's assembly, src/Perceptron.Cli/bin/CONFIGURATION/FRAMEWORK/perceptron.dll.</summary>
    public static string Executable => Dll.Value;

    /// <summary>Runs `perceptron ARGS` in <paramref name="workingDirectory"/> and waits for it to end.</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] args) =>
        await RunAsync(workingDirectory, DefaultTimeout, args);

    /// <summary>Runs `perceptron ARGS`; kills it and fails the test when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var child = CliProcess.Start(workingDirectory, args);
        return await child.WaitForExitAsync(timeout);
    }
}

/// <summary>A running console host whose output can be watched line by line (for Ctrl+C tests).</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _command;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watchers = [];

    private CliProcess(Process process, string command)
    {
        _process = process;
        _command = command;
    }

    public int Id => _process.Id;

    public static CliProcess Start(string workingDirectory, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliHost.Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CI"] = "true";
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Many hosts run at once here: one BLAS thread each keeps them from fighting over the cores.
        start.Environment.TryAdd("OPENBLAS_NUM_THREADS", "1");

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new CliProcess(process, string.Join(' ', args));
        process.OutputDataReceived += (_, e) => child.Received(e.Data, child._stdout, watch: true);
        process.ErrorDataReceived += (_, e) => child.Received(e.Data, child._stderr, watch: false);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first stdout line for which <paramref name="match"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var earlier = _stdout.ToString().Split('\n').FirstOrDefault(match);
            if (earlier is not null)
            {
                return earlier;
            }

            _watchers.Add((match, seen));
        }

        var finished = await Task.WhenAny(seen.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (finished != seen.Task)
        {
            Kill();
            Assert.Fail($"The expected line did not appear within {timeout.TotalSeconds} s.\n{Snapshot()}");
        }

        return await seen.Task;
    }

    /// <summary>
    /// Waits until the process has opened the FIFO <paramref name="path"/> for reading, and returns its
    /// writing end; fails the test after <paramref name="timeout"/>. Opening a FIFO for writing blocks
    /// until a reader opens it, so when this returns the process is reading that file, whatever the load.
    /// </summary>
    public async Task<Stream> OpenReaderPipeAsync(string path, TimeSpan timeout)
    {
        var open = Task.Run(() => (Stream)new FileStream(path, FileMode.Open, FileAccess.Write));
        if (await Task.WhenAny(open, Task.Delay(timeout)) == open)
        {
            return await open;
        }

        Kill();
        // The blocked open returns once the FIFO has a reader: give it one.
        using (new FileStream(path, FileMode.Open, FileAccess.Read))
        {
        }

        (await open).Dispose();
        Assert.Fail($"perceptron did not open {path} within {timeout.TotalSeconds} s.\n{Snapshot()}");
        throw new UnreachableException();
    }

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>.</summary>
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Waits for the end and all of its output; kills the process and fails the test after <paramref name="timeout"/>.</summary>
    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            // Also waits until stdout and stderr are read to their end.
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"perceptron did not finish within {timeout.TotalSeconds} s and was killed.\n{Snapshot()}");
        }

        lock (_gate)
        {
            return new CliResult(_command, _process.ExitCode, _stdout.ToString(), _stderr.ToString());
        }
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt()
    {
        if (kill(_process.Id, SignalInterrupt) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGINT) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private const int SignalInterrupt = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private void Received(string? line, StringBuilder into, bool watch)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            into.Append(line).Append('\n');
            if (watch)
            {
                foreach (var watcher in _watchers.Where(w => w.Match(line)).ToArray())
                {
                    watcher.Seen.TrySetResult(line);
                    _watchers.Remove(watcher);
                }
            }
        }
    }

    private string Snapshot()
    {
        lock (_gate)
        {
            return $"perceptron {_command}\n--- stdout\n{_stdout}\n--- stderr\n{_stderr}";
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Not started, or already gone.
        }
    }
}
