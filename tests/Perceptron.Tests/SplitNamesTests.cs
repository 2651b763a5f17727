// Split messages come from the library, worded with the caller's names: the console host's option and file.

using Xunit;

namespace Perceptron.Tests;

public class SplitNamesTests
{
    [Fact]
    public async Task A_stratified_test_split_too_large_for_the_classes_is_one_line_naming_the_option_and_the_file()
    {
        using var scratch = new ScratchDirectory();
        CliFiles.Write(scratch.Directory, "five.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n");

        var result = await CliHost.RunAsync(scratch.Directory, "train", "--data", "five.csv", "--test-fraction", "0.7");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(
            "error: --test-fraction 0.7 holds out 4 of the 5 samples of five.csv, more than a stratified split can take while leaving every class a training sample (at most 3); expected a smaller --test-fraction, more data, or to split without stratifying: --no-stratify",
            Assert.Single(result.StderrLines));
    }

    [Fact]
    public void The_facade_names_its_own_parameters_by_default()
    {
        var single = Assert.Throws<ArgumentException>(() => Samples.Split(4, 0.5, 0, [0, 0, 0, 1]));
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Samples.Split(4, 1.0, 0));

        Assert.Equal("stratifyBy", single.ParamName);
        Assert.StartsWith("testFraction 0.5: class 1 has a single sample", single.Message, StringComparison.Ordinal);
        Assert.Equal("testFraction", range.ParamName);
    }
}
