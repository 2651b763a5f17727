// `perceptron train --weight-column` and `--class-weight`, run as a real process: the column is read as
// weights and is not a feature, bad columns, values and class weights exit with code 2 and one line, and
// the acceptance measurement of issue 13: on held-out imbalanced data (8 % positives), balanced class
// weights lift the minority class's recall on balanced test data.

using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Perceptron.Tests;

public sealed class CliWeightsTests(ITestOutputHelper log) : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Folder => _scratch.Directory;

    public void Dispose() => _scratch.Dispose();

    private Task<CliResult> Run(params string[] args) => CliHost.RunAsync(Folder, args);

    private static CliResult Succeeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stderr.Length == 0, result.ToString());
        return result;
    }

    private static string OneLineError(CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        return line;
    }

    private string Weighted(string name = "weighted.csv") =>
        CliFiles.Write(Folder, name, "a,w,b,y\n1,1,2,0\n3,2,4,1\n1.5,0,2.5,0\n3.5,1,4,1\n1.2,3,2.2,0\n3.1,1,3.9,1\n");

    [Fact]
    public async Task The_weight_column_is_read_as_weights_and_is_not_a_feature()
    {
        var data = Weighted();
        var model = Path.Combine(Folder, "model.json");
        var result = Succeeded(await Run("train", "--data", data, "--weight-column", "w", "--test-fraction", "0", "--epochs", "20", "--model", model, "--json"));

        var json = CliFiles.SingleJsonObject(result);
        Assert.Equal("w", json.GetProperty("weightColumn").GetString());
        Assert.Equal("none", json.GetProperty("classWeights").GetString());
        Assert.Equal(2, json.GetProperty("features").GetInt32());
        var file = CliFiles.ReadJson(model);
        Assert.Equal(["a", "b"], file.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
        Assert.True(file.GetProperty("training").GetProperty("sampleWeights").GetBoolean());
    }

    [Fact]
    public async Task The_weights_change_the_model_as_the_core_weighs_them()
    {
        var data = Weighted();
        var weighted = Path.Combine(Folder, "weighted.json");
        var plain = Path.Combine(Folder, "plain.json");
        Succeeded(await Run("train", "--data", data, "--weight-column", "w", "--test-fraction", "0", "--epochs", "20", "--model", weighted));
        var table = Table.Load(data);
        var (rest, weights) = table.SplitWeights("w");
        var expected = Classifier.Train(rest.Features, rest.EncodeLabels(Table.Classes(rest.Labels)), weights, new TrainingOptions { Epochs = 20, LearningRate = 0.5 });
        Succeeded(await Run("train", "--data", data, "--test-fraction", "0", "--epochs", "20", "--model", plain));

        var bias = Classifier.Load(weighted).Layers[0].Bias[0];
        Assert.Equal(expected.Layers[0].Bias[0], bias);
        Assert.NotEqual(Classifier.Load(plain).Layers[0].Bias[0], bias);
    }

    [Fact]
    public async Task The_text_summary_shows_the_weights()
    {
        var result = Succeeded(await Run("train", "--data", Weighted(), "--weight-column", "w", "--class-weight", "1,2", "--test-fraction", "0", "--epochs", "5"));
        var line = Assert.Single(result.StdoutLines, l => l.StartsWith("weights:", StringComparison.Ordinal));
        Assert.Contains("sample weights from column 'w'", line, StringComparison.Ordinal);
        Assert.Contains("class weights 1,2", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_shows_both_options()
    {
        var result = Succeeded(await Run("train", "--help"));
        Assert.Contains("--weight-column <NAME>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--class-weight <balanced|W0,W1,...>", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_weight_column_names_the_file_and_the_column()
    {
        var line = OneLineError(await Run("train", "--data", Weighted(), "--weight-column", "weight"));
        Assert.Contains("weighted.csv:1:", line, StringComparison.Ordinal);
        Assert.Contains("no column 'weight'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_label_column_cannot_be_the_weight_column()
    {
        var line = OneLineError(await Run("train", "--data", Weighted(), "--weight-column", "y"));
        Assert.Contains("'y' is the label column", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_weight_names_the_file_line_and_column()
    {
        var data = CliFiles.Write(Folder, "negative.csv", "a,w,y\n1,1,0\n3,2,1\n1.5,-0.5,0\n3.5,1,1\n");
        var line = OneLineError(await Run("train", "--data", data, "--weight-column", "w"));
        Assert.Contains("negative.csv:4:2:", line, StringComparison.Ordinal);
        Assert.Contains("sample weight -0.5", line, StringComparison.Ordinal);
        Assert.Contains("expected a finite number >= 0", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Weights_that_are_all_0_are_refused()
    {
        var data = CliFiles.Write(Folder, "zeros.csv", "a,w,y\n1,0,0\n3,0,1\n1.5,0,0\n3.5,0,1\n");
        var line = OneLineError(await Run("train", "--data", data, "--weight-column", "w"));
        Assert.Contains("every sample weight in column 'w' is 0", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,-2", "--class-weight '1,-2' is not valid: weights[1] is -2; expected a finite number >= 0")]
    [InlineData("1,NaN", "--class-weight '1,NaN' is not valid: weights[1] is NaN")]
    [InlineData("1,Infinity", "--class-weight '1,Infinity' is not valid: weights[1] is Infinity")]
    [InlineData("0,0", "--class-weight '0,0' is not valid: weights are all 0; expected at least one class with a weight above 0")]
    [InlineData("1,x", "--class-weight '1,x' is not valid; expected balanced or comma-separated weights")]
    [InlineData("1,2,3", "--class-weight '1,2,3' has 3 weights; expected one per class, 2 in the order '0', '1'")]
    [InlineData("4", "--class-weight '4' has 1 weight; expected one per class")]
    public async Task Bad_class_weights_exit_with_code_2_and_one_line(string value, string message)
    {
        var line = OneLineError(await Run("train", "--data", Weighted(), "--class-weight", value));
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two overlapping Gaussians in two features, the positives' mean shifted by sqrt(2) in each (2 standard deviations
    /// along the diagonal), with the given share of positives; seeded, so the files are the same on every run.
    /// </summary>
    private string Gaussians(string name, int samples, double positives, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("x1,x2,y\n");
        var shift = Math.Sqrt(2);
        var positiveCount = (int)Math.Round(samples * positives);
        for (var i = 0; i < samples; i++)
        {
            var y = i < positiveCount ? 1 : 0;
            text.Append(CultureInfo.InvariantCulture, $"{SyntheticData.Gaussian(random) + y * shift:R},{SyntheticData.Gaussian(random) + y * shift:R},{y}\n");
        }

        return CliFiles.Write(Folder, name, text.ToString());
    }

    private async Task<double> MinorityRecall(string train, string test, params string[] options)
    {
        var model = Path.Combine(Folder, $"model-{Guid.NewGuid():N}.json");
        Succeeded(await Run(["train", "--data", train, "--test-fraction", "0", "--model", model, .. options]));
        var evaluation = CliFiles.SingleJsonObject(Succeeded(await Run("evaluate", "--model", model, "--data", test, "--json")));
        var positive = evaluation.GetProperty("perClass").EnumerateArray().Single(c => c.GetProperty("class").GetString() == "1");
        return positive.GetProperty("recall").GetDouble();
    }

    [Fact]
    public async Task Balanced_class_weights_lift_the_minority_recall_on_held_out_balanced_data()
    {
        // Training data with 8 % positives; a separate, balanced test set drawn from the same two Gaussians.
        var train = Gaussians("imbalanced.csv", 2000, 0.08, seed: 13);
        var test = Gaussians("balanced.csv", 2000, 0.5, seed: 14);

        var plain = await MinorityRecall(train, test);
        var balanced = await MinorityRecall(train, test, "--class-weight", "balanced");
        log.WriteLine($"minority recall on balanced test data: {plain:F4} unweighted, {balanced:F4} with --class-weight balanced");

        Assert.True(balanced >= 0.75, $"recall {balanced} with balanced class weights");
        Assert.True(balanced - plain >= 0.2, $"recall {plain} without, {balanced} with balanced class weights");
    }
}
