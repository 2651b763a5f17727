// The console host under a hostile audit (issue 15): stdout that cannot be written, data files whose
// names start with '@', and the other families that do not fit the bad-input tables' one-line shape.
using System.Diagnostics;
using Xunit;

namespace Perceptron.Tests;

public sealed class CliHostileTests(CliBadInputFolder folder) : IClassFixture<CliBadInputFolder>
{
    [Theory]
    [InlineData("--version")]
    [InlineData("train --data good.csv --test-fraction 0 --epochs 2")]
    [InlineData("train --data good.csv --test-fraction 0 --epochs 2 --json")]
    [InlineData("predict --model model.json --data good.csv")]
    [InlineData("evaluate --model model.json --data good.csv --json")]
    public async Task A_full_stdout_is_one_line_naming_it_and_exit_code_2(string args)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/full is a Linux device.
        }

        var (exitCode, stderr) = await RunWithStdoutAsync("> /dev/full", args.Split(' '));

        Assert.True(exitCode == 2, $"exit code {exitCode}\n{stderr}");
        Assert.Equal("error: cannot write to standard output (No space left on device)", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_closed_stdout_is_one_line_naming_it_and_exit_code_2()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var (exitCode, stderr) = await RunWithStdoutAsync(">&-", ["predict", "--model", "model.json", "--data", "good.csv"]);

        Assert.True(exitCode == 2, $"exit code {exitCode}\n{stderr}");
        Assert.Equal("error: cannot write to standard output (it is closed or not writable)", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task A_data_file_whose_name_starts_with_an_at_sign_is_a_file_not_a_response_file()
    {
        File.Copy(Path.Combine(folder.Directory, "good.csv"), Path.Combine(folder.Directory, "@good.csv"), overwrite: true);

        var result = await CliHost.RunAsync(folder.Directory, "train", "--data", "@good.csv", "--test-fraction", "0", "--epochs", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("@good.csv (4 samples", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train --hidden 2147483647 --epochs 1", "error: --hidden 2147483647 needs about ", " GB of memory to train on 455 samples")]
    [InlineData("train --hidden 100000,100000 --epochs 1 --batch-size 32", "error: --hidden 100000,100000 needs about ", ", --batch-size 32); this machine can give ")]
    [InlineData("gradcheck --hidden 100000,100000", "error: --hidden 100000,100000 needs about ", " GB of memory for a gradient check on 569 samples")]
    [InlineData("gradcheck --hidden 1000", "error: --hidden 1000 makes a gradient check of 3.2E+04 parameters on 569 samples, about ", " operations; expected at most 1E+11")]
    public async Task A_run_that_cannot_fit_is_refused_before_allocating_naming_the_option_and_the_estimate(string args, string start, string part)
    {
        var result = await CliHost.RunAsync(folder.Directory, TimeSpan.FromSeconds(60), args.Split(' '));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.StderrLines);
        Assert.StartsWith(start, result.StderrLines[0], StringComparison.Ordinal);
        Assert.Contains(part, result.StderrLines[0], StringComparison.Ordinal);
    }

    /// <summary>Runs the host with the shell's <paramref name="redirection"/> of stdout, as `perceptron ... > FILE` does.</summary>
    private async Task<(int ExitCode, string Stderr)> RunWithStdoutAsync(string redirection, string[] args)
    {
        var start = new ProcessStartInfo("sh")
        {
            WorkingDirectory = folder.Directory,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec dotnet \"$0\" \"$@\" {redirection}");
        start.ArgumentList.Add(CliHost.Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CI"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CliHost.DefaultTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stderr);
    }
}
