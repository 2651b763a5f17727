// The bounded cost history through the facade, the model file and the console host: a long run keeps at
// most 10,000 costs, each with its epoch, and files written before the history was bounded still load.

using System.Text;
using System.Text.Json;
using Xunit;

namespace Perceptron.Tests;

public sealed class CostHistoryTests : IDisposable
{
    private const int Limit = 10_000;

    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static readonly double[,] Features = { { 0, 1 }, { 1, 0 }, { 1, 1 }, { 0, 0 }, { 0.5, 0.2 }, { 0.3, 0.9 }, { 0.8, 0.1 }, { 0.2, 0.4 } };

    private static readonly int[] Labels = [1, 0, 1, 0, 0, 1, 0, 1];

    private static Classifier Long(int epochs) => Classifier.Train(
        Features, Labels, new TrainingOptions { Epochs = epochs, LearningRate = 0.1, ValidationFraction = 0.25, Seed = 3 });

    private static ModelDocument Parse(string json) =>
        ModelFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "model.json");

    [Fact]
    public void A_long_run_keeps_at_most_the_limit_with_the_epoch_of_each_cost_and_the_file_keeps_them()
    {
        var model = Long(25_001);

        Assert.InRange(model.Costs.Count, Limit / 2, Limit);
        Assert.Equal(model.Costs.Count, model.CostEpochs.Count);
        Assert.Equal(model.Costs.Count, model.ValidationCosts.Count);
        Assert.Equal(1, model.CostEpochs[0]);
        Assert.Equal(25_001, model.CostEpochs[^1]);
        var stride = model.CostEpochs[1] - model.CostEpochs[0];
        Assert.All(Enumerable.Range(0, model.CostEpochs.Count - 1), i => Assert.Equal(1 + (i * stride), model.CostEpochs[i]));

        var path = _scratch.Path("long.json");
        model.Save(path);
        var loaded = Classifier.Load(path);

        Assert.Equal(model.CostEpochs, loaded.CostEpochs);
        Assert.Equal(model.Costs, loaded.Costs);
        Assert.Equal(model.ValidationCosts, loaded.ValidationCosts);
        Assert.Equal(model.Warnings, loaded.Warnings);
        Assert.True(new FileInfo(path).Length < 1_000_000, $"{new FileInfo(path).Length} bytes");
    }

    [Fact]
    public void A_short_run_keeps_every_epoch_and_writes_no_epoch_numbers_as_files_before_did()
    {
        var model = Long(30);

        Assert.Equal(Enumerable.Range(1, 30), model.CostEpochs);
        Assert.Null(model.ToDocument().Training.CostEpochs);
    }

    [Fact]
    public void A_file_without_cost_epochs_numbers_its_costs_from_epoch_1()
    {
        var document = Long(12).ToDocument();
        var json = Encoding.UTF8.GetString(Write(document));
        Assert.DoesNotContain("costEpochs", json, StringComparison.Ordinal);

        var loaded = Classifier.FromDocument(Parse(json));

        Assert.Equal(Enumerable.Range(1, 12), loaded.CostEpochs);
    }

    [Theory]
    [InlineData("[1, 5]", "training.costEpochs has 2 values; expected 3 (one epoch per entry of training.costs)")]
    [InlineData("[1, 5, 5]", "training.costEpochs[2] is 5; expected an epoch number of at least 6 (increasing, from 1)")]
    [InlineData("[0, 5, 9]", "training.costEpochs[0] is 0; expected an epoch number of at least 1 (increasing, from 1)")]
    [InlineData("[1, 5.5, 9]", "training.costEpochs[1] is 5.5; expected a whole number")]
    public void Broken_cost_epochs_are_named(string epochs, string message)
    {
        var json = Encoding.UTF8.GetString(Write(Long(3).ToDocument()));
        json = json.Replace("\"costs\":", $"\"costEpochs\": {epochs},\n    \"costs\":", StringComparison.Ordinal);

        var error = Assert.Throws<DataFormatException>(() => Parse(json));

        Assert.Equal($"model.json: {message}", error.Message);
    }

    [Fact]
    public async Task The_console_summary_and_model_file_give_the_epoch_of_each_kept_cost()
    {
        File.WriteAllText(_scratch.Path("tiny.csv"), "a,b,y\n0,1,1\n1,0,0\n1,1,1\n0,0,0\n0.5,0.2,0\n0.3,0.9,1\n0.8,0.1,0\n0.2,0.4,1\n");

        var result = await CliHost.RunAsync(
            _scratch.Directory, "train", "--data", "tiny.csv", "--epochs", "10050", "--validation-fraction", "0.25",
            "--print-every", "10000", "--json", "--model", "m.json", "--plot", "curve.png");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = CliFiles.SingleJsonObject(result);
        var epochs = json.GetProperty("validationCostEpochs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(json.GetProperty("validationCosts").GetArrayLength(), epochs.Length);
        Assert.InRange(epochs.Length, Limit / 2, Limit);
        Assert.Equal(10050, epochs[^1]);
        var training = CliFiles.ReadJson(_scratch.Path("m.json")).GetProperty("training");
        Assert.Equal(epochs, training.GetProperty("costEpochs").EnumerateArray().Select(e => e.GetInt32()));
        CliFiles.AssertPng(_scratch.Path("curve.png"));
    }

    private byte[] Write(ModelDocument document)
    {
        var path = _scratch.Path($"{Guid.NewGuid():N}.json");
        ModelFile.Write(path, document);
        return File.ReadAllBytes(path);
    }
}
