// Runs the console applications of samples/ as a user would, `dotnet samples/X/bin/.../X.dll`, from
// the repository root: results on stdout, errors as one line on stderr, Ctrl+C keeping the model.

using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Perceptron.Tests;

public class SampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SeedStepByStepPrintsTheCourseNumbers()
    {
        var run = await RunAsync("SeedStepByStep");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("dw = [0.99845601, 2.39507239]", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("db = 0.00145558", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("cost = 5.8015453", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("predict: [1, 1, 1]", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"test accuracy: +9\d\.\d\d %", run.Stdout);
    }

    [Fact]
    public async Task CsvToPredictionTrainsEvaluatesAndPredicts()
    {
        var run = await RunAsync("CsvToPrediction", "data/breast-cancer.csv", "--epochs", "3");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("epoch 3/3: cost", run.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"held-out accuracy: \d+\.\d\d % on 114 samples", run.Stdout);
        Assert.Contains("row 1: malignant = ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("predicted 569 rows", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-file.csv", "no-such-file.csv")]
    [InlineData("data/breast-cancer.csv --epochs 1 data/flower.csv", "flower.csv:1:1")]
    [InlineData("data/breast-cancer.csv --speed 9", "--speed")]
    public async Task CsvToPredictionReportsBadInputInOneLine(string arguments, string named)
    {
        var run = await RunAsync("CsvToPrediction", arguments.Split(' '));
        Assert.True(run.ExitCode == 2, run.ToString());
        var errors = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains(named, Assert.Single(errors), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsvToPredictionKeepsTheModelOnCtrlC()
    {
        var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = await RunAsync(
            "CsvToPrediction",
            ["data/breast-cancer.csv", "--epochs", "1000000"],
            (process, line) =>
            {
                if (line.StartsWith("epoch 10/", StringComparison.Ordinal) && interrupted.TrySetResult())
                {
                    Assert.Equal(0, kill(process.Id, SignalInterrupt));
                }
            });
        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Matches(@"interrupted: using the model after epoch \d+ of 1000000", run.Stderr);
        Assert.Contains("held-out accuracy", run.Stdout, StringComparison.Ordinal);
    }

    private static Task<ProgramRun> RunAsync(string sample, params string[] args) => RunAsync(sample, args, null);

    /// <summary>Runs a sample from the repository root; <paramref name="onStderr"/> sees each stderr line as it comes.</summary>
    private static async Task<ProgramRun> RunAsync(string sample, string[] args, Action<Process, string>? onStderr)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryFiles.Path("."),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable(sample));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.TryAdd("OPENBLAS_NUM_THREADS", "1");
        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.Append(e.Data).Append('\n');
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.Append(e.Data).Append('\n');
            }

            onStderr?.Invoke(process, e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{sample} did not finish within {Timeout.TotalSeconds} s.\n{stdout}\n{stderr}");
        }

        return new ProgramRun(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>samples/NAME/bin/CONFIGURATION/FRAMEWORK/NAME.dll, built with these tests (see the project file).</summary>
    private static string Executable(string sample)
    {
        var configuration = typeof(SampleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var path = RepositoryFiles.Path(Path.Combine("samples", sample, "bin", configuration, framework, sample + ".dll"));
        return File.Exists(path) ? path : throw new InvalidOperationException($"The sample is not built: {path} is missing (run dotnet build).");
    }

    private const int SignalInterrupt = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
