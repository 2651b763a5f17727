// `perceptron --version` and `--help`: what a user sees before running anything.

using System.Text.RegularExpressions;
using Xunit;

namespace Perceptron.Tests;

public sealed class CliHelpTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private async Task<string[]> Help(params string[] args)
    {
        var result = await CliHost.RunAsync(_scratch.Directory, args);
        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        return result.StdoutLines;
    }

    [Fact]
    public async Task Version_prints_the_version_and_the_kernels()
    {
        var line = Assert.Single(await Help("--version"));

        Assert.Matches(@"^perceptron \d+\.\d+\.\d+\S* \(kernels: (native BLAS|managed).*\)$", line);
    }

    [Theory]
    [InlineData("train", new[]
    {
        "--data", "--label", "--test", "--test-fraction", "--epochs", "--iterations", "--learning-rate", "--no-standardize",
        "--print-every", "--model", "--json", "--hidden", "--activation", "--optimizer", "--batch-size", "--l2", "--init",
        "--init-scale", "--seed", "--validation-fraction", "--no-stratify", "--patience", "--warm-start", "--plot", "--schedule",
        "--warmup", "--help", "--weight-column", "--class-weight",
    })]
    [InlineData("predict", new[] { "--model", "--data", "--output", "--help" })]
    [InlineData("evaluate", new[] { "--model", "--data", "--json", "--plot", "--help" })]
    [InlineData("gradcheck", new[] { "--data", "--label", "--hidden", "--activation", "--init", "--init-scale", "--seed", "--l2", "--json", "--help" })]
    public async Task Help_lists_every_option_of_a_command(string command, string[] options)
    {
        var lines = await Help(command, "--help");

        Assert.Contains($"  perceptron {command} [options]", lines);
        var listed = lines
            .SelectMany(l => Regex.Matches(l, @"(?<=^\s+|, )--[a-z0-9-]+").Select(m => m.Value))
            .ToHashSet();
        Assert.Equal(options.Order(), listed.Order());
    }

    [Fact]
    public async Task Help_of_the_root_lists_the_commands()
    {
        var lines = await Help("--help");

        foreach (var command in new[] { "train", "predict", "evaluate", "gradcheck" })
        {
            Assert.Contains(lines, l => l.StartsWith($"  {command} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_names_help_shows_for_choices_and_defaults_are_accepted()
    {
        var lines = await Help("train", "--help");
        Assert.Contains(lines, l => l.Contains("--activation <sigmoid|tanh|relu|leaky_relu>", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--optimizer <gd|momentum|adam>", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--init <zeros|normal|xavier|he>", StringComparison.Ordinal));

        // Defaults are shown by the names the options take, never by enum members.
        Assert.Contains(lines, l => l.Contains("--activation", StringComparison.Ordinal) && l.Contains("(default: tanh)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--optimizer", StringComparison.Ordinal) && l.Contains("(default: gd)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("[default: Tanh]", StringComparison.Ordinal) || l.Contains("[default: GradientDescent]", StringComparison.Ordinal));

        // Earlier help showed defaults by their enum names ("[default: GradientDescent]"); those still work.
        var result = await CliHost.RunAsync(
            _scratch.Directory,
            "train", "--optimizer", "GradientDescent", "--activation", "LeakyRelu", "--init", "Xavier", "--hidden", "2", "--epochs", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("network:        30 inputs -> 2 leaky_relu -> 1 sigmoid", result.StdoutLines);
    }
}
