// Stratified splits through the facade and the console host (issue 13, item 6).

using System.Globalization;
using System.Text;
using Xunit;

namespace Perceptron.Tests;

public sealed class StratifiedSplitTests
{
    /// <summary>100 samples with 8 % positives (every 12th of the first 96).</summary>
    private static int[] Imbalanced() => Enumerable.Range(0, 100).Select(i => i % 12 == 0 && i < 96 ? 1 : 0).ToArray();

    [Fact]
    public void Split_by_labels_keeps_the_minority_share_in_the_test_rows()
    {
        var labels = Imbalanced();
        for (var seed = 0; seed < 10; seed++)
        {
            var (train, test) = Samples.Split(100, 0.25, seed, stratifyBy: labels);
            Assert.Equal(25, test.Length);
            Assert.Equal(2, test.Count(i => labels[i] == 1));
            Assert.Equal(Enumerable.Range(0, 100), train.Concat(test).Order());
        }
    }

    [Fact]
    public void Split_without_labels_is_the_plain_split_as_before()
    {
        var (train, test) = Samples.Split(100, 0.25, 3);
        var (train2, test2) = Samples.Split(100, 0.25, 3, stratifyBy: null);
        Assert.Equal(train, train2);
        Assert.Equal(test, test2);
    }

    [Fact]
    public void Split_rejects_labels_of_the_wrong_length_or_a_single_sample_class()
    {
        var wrong = Assert.ThrowsAny<ArgumentException>(() => Samples.Split(10, 0.2, 0, stratifyBy: new int[9]));
        Assert.Equal("stratifyBy", wrong.ParamName);
        var single = Assert.ThrowsAny<ArgumentException>(() => Samples.Split(5, 0.2, 0, stratifyBy: [0, 0, 1, 0, 0]));
        Assert.Equal("stratifyBy", single.ParamName);
        Assert.Contains("class 1 has a single sample", single.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stratify_is_on_by_default_and_changes_the_validation_split()
    {
        Assert.True(new TrainingOptions().Stratify);
        var data = SyntheticData.LinearlySeparable(3, 100);
        var labels = Imbalanced();
        var options = new TrainingOptions { Epochs = 3, ValidationFraction = 0.25, Seed = 1 };
        var byDefault = Classifier.Train(data.Features, labels, options);
        var stratified = Classifier.Train(data.Features, labels, options with { Stratify = true });
        var plain = Classifier.Train(data.Features, labels, options with { Stratify = false });
        Assert.Equal(byDefault.ValidationCosts, stratified.ValidationCosts);
        Assert.NotEqual(plain.ValidationCosts, stratified.ValidationCosts);
    }

    [Fact]
    public async Task The_console_host_stratifies_the_test_split_unless_no_stratify()
    {
        // 2 positives among 40: a plain half split of some seed puts both in the test rows and leaves
        // training a single class; the stratified split of that seed keeps one on each side.
        using var scratch = new ScratchDirectory();
        var labels = Enumerable.Range(0, 40).Select(i => i is 5 or 30 ? 1 : 0).ToArray();
        var csv = new StringBuilder("a,y\n");
        for (var i = 0; i < labels.Length; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{labels[i] + (0.01 * i)},{labels[i]}\n");
        }

        CliFiles.Write(scratch.Directory, "data.csv", csv.ToString());
        var seed = Enumerable.Range(0, 100).First(s => Samples.Split(40, 0.5, s).Train.All(i => labels[i] == 0));
        string[] args = ["train", "--data", "data.csv", "--epochs", "2", "--test-fraction", "0.5", "--seed", $"{seed}", "--json"];

        var plain = await CliHost.RunAsync(scratch.Directory, [.. args, "--no-stratify"]);
        Assert.True(plain.ExitCode == 2, plain.ToString());
        Assert.Contains("single class", Assert.Single(plain.StderrLines), StringComparison.Ordinal);

        var stratified = await CliHost.RunAsync(scratch.Directory, args);
        Assert.True(stratified.ExitCode == 0, stratified.ToString());
        var samples = CliFiles.SingleJsonObject(stratified).GetProperty("samples");
        Assert.Equal(20, samples.GetProperty("train").GetInt32());
        Assert.Equal(20, samples.GetProperty("test").GetInt32());
    }

    [Fact]
    public async Task A_class_too_small_to_stratify_exits_2_with_one_line()
    {
        using var scratch = new ScratchDirectory();
        CliFiles.Write(scratch.Directory, "data.csv", "a,y\n1,a\n2,a\n3,a\n4,b\n5,b\n6,c\n");
        var result = await CliHost.RunAsync(scratch.Directory, "train", "--data", "data.csv", "--epochs", "2", "--test-fraction", "0.4");
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("class 2 has a single sample", line, StringComparison.Ordinal);
        Assert.Contains("--no-stratify", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task The_model_file_and_the_json_summary_record_whether_splits_were_stratified(bool noStratify, bool expected)
    {
        using var scratch = new ScratchDirectory();
        string[] args = ["train", "--epochs", "2", "--model", "m.json", "--json"];
        var result = await CliHost.RunAsync(scratch.Directory, noStratify ? [.. args, "--no-stratify"] : args);
        Assert.True(result.ExitCode == 0, result.ToString());

        Assert.Equal(expected, CliFiles.SingleJsonObject(result).GetProperty("stratified").GetBoolean());
        var model = Classifier.Load(Path.Combine(scratch.Directory, "m.json"));
        Assert.Equal(expected, model.ToDocument().Training.Stratified);
        Assert.Equal(expected, model.Options!.Stratify);
    }

    [Fact]
    public void A_model_file_without_the_record_reads_as_split_without_stratifying()
    {
        var model = Classifier.Train(new double[,] { { 0 }, { 1 }, { 2 }, { 3 } }, [0, 0, 1, 1], new TrainingOptions { Epochs = 1 });
        var document = model.ToDocument();
        Assert.True(document.Training.Stratified);

        var old = Classifier.FromDocument(document with { Training = document.Training with { Stratified = null } });
        Assert.False(old.Options!.Stratify);
    }
}
