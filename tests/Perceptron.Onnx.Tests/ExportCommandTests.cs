using System.Globalization;
using Perceptron.Tests;
using Xunit;

namespace Perceptron.Onnx.Tests;

/// <summary>
/// `perceptron export` end to end: models trained by `perceptron train` on part of a data set, exported,
/// and run in ONNX Runtime on the held-out rest give the probabilities of `perceptron predict` within
/// 1e-4 and the same labels; bad input exits with code 2 and one line, leaving the output file as it was.
/// </summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("data/breast-cancer.csv", "--hidden", "8,4", "--activation", "leaky_relu", "--epochs", "300")]
    [InlineData("data/digits.csv", "--hidden", "16", "--activation", "relu", "--optimizer", "adam", "--batch-size", "32", "--epochs", "5")]
    public async Task OnnxRuntimeAgreesWithPredictOnHeldOutData(string data, params string[] training)
    {
        var (train, test) = HeldOut(data);
        await Perceptron(["train", "--data", train, "--model", "model.json", "--seed", "3", .. training]);
        var exported = await Perceptron("export", "--model", "model.json", "--output", "model.onnx");
        Assert.Contains("model.onnx", exported.Stdout, StringComparison.Ordinal);
        await Perceptron("predict", "--model", "model.json", "--data", test, "--output", "predictions.csv");

        var model = Classifier.Load(_scratch.Path("model.json"));
        var table = Table.Load(test, model.LabelName);
        Assert.Equal(model.FeatureNames, table.FeatureNames);
        Assert.True(model.Standardizes);
        var onnx = OnnxRun.Run(File.ReadAllBytes(_scratch.Path("model.onnx")), OnnxRun.Narrow(table.Features));

        var predictions = File.ReadAllLines(_scratch.Path("predictions.csv"));
        Assert.Equal(table.Rows + 1, predictions.Length);
        Assert.Equal(model.Classes.Select(c => $"p_{c}"), predictions[0].Split(',').Skip(2));
        for (var i = 0; i < table.Rows; i++)
        {
            var cells = predictions[i + 1].Split(',');
            Assert.Equal(cells[0], model.Classes[(int)onnx.Labels[i]]);
            for (var k = 0; k < model.Classes.Count; k++)
            {
                var predicted = double.Parse(cells[2 + k], CultureInfo.InvariantCulture);
                Assert.True(
                    Math.Abs(predicted - onnx.Probabilities[i, k]) <= 1e-4,
                    $"row {i}, class {model.Classes[k]}: predict {predicted:R}, ONNX Runtime {onnx.Probabilities[i, k]:R}");
            }
        }
    }

    [Theory]
    [InlineData(null, "model.json")]
    [InlineData("not a model", "model.json")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": 1}", "model.json")]
    public async Task AMissingOrDamagedModelExitsWith2AndLeavesTheOutputAlone(string? contents, string modelFile)
    {
        if (contents is not null)
        {
            File.WriteAllText(_scratch.Path(modelFile), contents);
        }

        File.WriteAllText(_scratch.Path("model.onnx"), "the previous export");

        var result = await CliHost.RunAsync(_scratch.Directory, "export", "--model", modelFile, "--output", "model.onnx");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(modelFile, line, StringComparison.Ordinal);
        Assert.Equal("the previous export", File.ReadAllText(_scratch.Path("model.onnx")));
        Assert.Equal(contents is null ? 1 : 2, Directory.GetFiles(_scratch.Directory).Length);
    }

    [Theory]
    [InlineData("--model", "model.json")]
    [InlineData("--output", "model.onnx")]
    public async Task AMissingOptionExitsWith2(string option, string value)
    {
        var result = await CliHost.RunAsync(_scratch.Directory, "export", option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.StderrLines);
    }

    [Fact]
    public async Task AnOutputInAMissingFolderExitsWith2()
    {
        await Perceptron("train", "--model", "model.json", "--epochs", "5");

        var result = await CliHost.RunAsync(_scratch.Directory, "export", "--model", "model.json", "--output", "missing/model.onnx");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("missing", Assert.Single(result.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsTheCommandAndItsOptions()
    {
        var root = await Perceptron("--help");
        Assert.Contains(root.StdoutLines, l => l.StartsWith("  export ", StringComparison.Ordinal));

        var help = await Perceptron("export", "--help");
        foreach (var option in new[] { "--model", "--output", "--help" })
        {
            Assert.Contains(help.StdoutLines, l => l.TrimStart().StartsWith(option, StringComparison.Ordinal) || l.Contains($", {option}", StringComparison.Ordinal));
        }
    }

    private async Task<CliResult> Perceptron(params string[] args)
    {
        var result = await CliHost.RunAsync(_scratch.Directory, args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>The data file's rows shuffled and split 70/30 into train.csv and test.csv in the scratch folder.</summary>
    private (string Train, string Test) HeldOut(string data)
    {
        var lines = File.ReadAllLines(RepositoryFiles.Path(data));
        var rows = lines.Skip(1).ToArray();
        new Random(11).Shuffle(rows);
        var cut = rows.Length * 7 / 10;
        var (train, test) = (_scratch.Path("train.csv"), _scratch.Path("test.csv"));
        File.WriteAllLines(train, rows[..cut].Prepend(lines[0]));
        File.WriteAllLines(test, rows[cut..].Prepend(lines[0]));
        return (train, test);
    }
}
