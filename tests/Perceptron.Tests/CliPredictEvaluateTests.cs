// `perceptron predict`, `evaluate` and `gradcheck`, run as real processes on a model the host
// trained itself on the embedded data (so the repository's CSV must match what it embeds).

using System.Globalization;
using System.Text.Json;
using Xunit;

namespace Perceptron.Tests;

/// <summary>A perceptron trained once by the host, 200 epochs on the embedded data, for the tests below.</summary>
public sealed class CliTrainedModel : IAsyncLifetime
{
    private readonly ScratchDirectory _scratch = new();

    public string Folder => _scratch.Directory;

    public string Model => Path.Combine(Folder, "model.json");

    public async Task InitializeAsync()
    {
        File.Copy(CliFiles.BreastCancer, Path.Combine(Folder, "breast-cancer.csv"));
        var result = await CliHost.RunAsync(Folder, "train", "--epochs", "200", "--model", "model.json");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public Task DisposeAsync()
    {
        _scratch.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class CliPredictEvaluateTests(CliTrainedModel trained) : IClassFixture<CliTrainedModel>
{
    private Task<CliResult> Run(params string[] args) => CliHost.RunAsync(trained.Folder, args);

    private static CliResult Succeeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stderr.Length == 0, result.ToString());
        return result;
    }

    private static double Number(string cell) => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Predict_writes_one_row_per_sample_with_the_class_and_its_probabilities()
    {
        var name = $"predictions-{Guid.NewGuid():N}.csv";
        Assert.Empty(Succeeded(await Run("predict", "--model", "model.json", "--data", "breast-cancer.csv", "--output", name)).Stdout);

        Assert.Empty(CliFiles.TemporaryFiles(trained.Folder));
        var rows = CliFiles.ReadCsv(Path.Combine(trained.Folder, name));
        Assert.Equal(["predicted", "probability", "p_0", "p_1"], rows[0]);
        Assert.Equal(569, rows.Length - 1);
        foreach (var row in rows[1..])
        {
            Assert.Equal(4, row.Length);
            var (p0, p1) = (Number(row[2]), Number(row[3]));
            Assert.InRange(p1, 0, 1);
            Assert.Equal(1, p0 + p1, 1e-12);
            Assert.Equal(p1 > 0.5 ? "1" : "0", row[0]);
            Assert.Equal(Math.Max(p0, p1), Number(row[1]));
        }

        // The predictions agree with the labels as often as evaluate says.
        var labels = CliFiles.ReadCsv(CliFiles.BreastCancer)[1..].Select(r => r[^1]).ToArray();
        var agree = rows[1..].Zip(labels).Count(pair => pair.First[0] == pair.Second);
        var evaluation = CliFiles.SingleJsonObject(Succeeded(await Run("evaluate", "--model", "model.json", "--data", "breast-cancer.csv", "--json")));
        Assert.Equal(evaluation.GetProperty("accuracy").GetDouble(), agree / 569.0, 1e-12);
    }

    [Fact]
    public async Task Predict_without_output_writes_the_same_csv_to_stdout_and_needs_no_label_column()
    {
        CliFiles.BreastCancerWithoutLabels(trained.Folder);
        var labelled = Run("predict", "--model", "model.json", "--data", "breast-cancer.csv");
        var unlabelled = Run("predict", "--model", "model.json", "--data", "unlabelled.csv");

        var lines = Succeeded(await labelled).StdoutLines;
        Assert.Equal("predicted,probability,p_0,p_1", lines[0]);
        Assert.Equal(570, lines.Length);
        Assert.Equal(lines, Succeeded(await unlabelled).StdoutLines);
    }

    [Fact]
    public async Task Evaluate_prints_accuracy_scores_and_the_confusion_matrix()
    {
        var lines = Succeeded(await Run("evaluate", "--model", "model.json", "--data", "breast-cancer.csv")).StdoutLines;

        Assert.Equal("data:     breast-cancer.csv (569 samples)", lines[0]);
        Assert.Matches(@"^accuracy: 9\d\.\d\d %$", lines[1]);
        Assert.Matches(@"^log loss: 0\.\d{6}$", lines[2]);
        Assert.Matches(@"^ROC AUC:  0\.9\d{5}$", lines[3]);
        var matrix = Array.IndexOf(lines, "Confusion matrix (rows: actual, columns: predicted)");
        Assert.True(matrix > 0, string.Join('\n', lines));
        Assert.Matches(@"^actual \\ predicted\s+0\s+1$", lines[matrix + 1]);
        var counts = lines[(matrix + 2)..(matrix + 4)].SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]).Select(int.Parse);
        Assert.Equal(569, counts.Sum());
    }

    [Fact]
    public async Task Evaluate_json_has_every_measure()
    {
        var json = CliFiles.SingleJsonObject(Succeeded(await Run("evaluate", "--model", "model.json", "--data", "breast-cancer.csv", "--json")));

        Assert.Equal(569, json.GetProperty("samples").GetInt32());
        Assert.Equal(["0", "1"], json.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        Assert.InRange(json.GetProperty("accuracy").GetDouble(), 0.95, 1);
        Assert.InRange(json.GetProperty("logLoss").GetDouble(), 0, 0.2);
        Assert.InRange(json.GetProperty("rocAuc").GetDouble(), 0.98, 1);
        var matrix = json.GetProperty("confusionMatrix").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        Assert.Equal(2, matrix.Length);
        Assert.Equal([357, 212], matrix.Select(r => r.Sum()));
        Assert.Equal(json.GetProperty("accuracy").GetDouble(), (matrix[0][0] + matrix[1][1]) / 569.0, 1e-12);
        var perClass = json.GetProperty("perClass").EnumerateArray().ToArray();
        Assert.Equal(["0", "1"], perClass.Select(c => c.GetProperty("class").GetString()));
        foreach (var c in perClass)
        {
            Assert.InRange(c.GetProperty("precision").GetDouble(), 0.9, 1);
            Assert.InRange(c.GetProperty("recall").GetDouble(), 0.9, 1);
            Assert.InRange(c.GetProperty("f1").GetDouble(), 0.9, 1);
        }

        Assert.Equal([357, 212], perClass.Select(c => c.GetProperty("support").GetInt32()));
    }

    [Fact]
    public async Task Evaluate_plot_draws_the_roc_curve_as_a_png()
    {
        var name = $"roc-{Guid.NewGuid():N}.png";
        var lines = Succeeded(await Run("evaluate", "--model", "model.json", "--data", "breast-cancer.csv", "--plot", name)).StdoutLines;

        CliFiles.AssertPng(Path.Combine(trained.Folder, name));
        Assert.Contains($"plot:     {name}", lines);
    }

    [Fact]
    public async Task A_three_class_model_predicts_and_evaluates_by_class_name()
    {
        using var scratch = new ScratchDirectory();
        CliFiles.ThreeClasses(scratch.Directory);
        Assert.Equal(0, (await CliHost.RunAsync(scratch.Directory,
            "train", "--data", "flowers.csv", "--label", "species", "--hidden", "8", "--epochs", "200", "--model", "m.json")).ExitCode);

        var predict = CliHost.RunAsync(scratch.Directory, "predict", "--model", "m.json", "--data", "flowers.csv");
        var evaluate = CliHost.RunAsync(scratch.Directory, "evaluate", "--model", "m.json", "--data", "flowers.csv", "--json");

        var lines = Succeeded(await predict).StdoutLines;
        Assert.Equal("predicted,probability,p_setosa,p_versicolor,p_virginica", lines[0]);
        Assert.Equal(90, lines.Length - 1);
        Assert.All(lines[1..], l => Assert.Contains(l.Split(',')[0], new[] { "setosa", "versicolor", "virginica" }));
        var json = CliFiles.SingleJsonObject(Succeeded(await evaluate));
        Assert.Equal(3, json.GetProperty("confusionMatrix").GetArrayLength());
        Assert.InRange(json.GetProperty("rocAuc").GetDouble(), 0.9, 1); // macro one-vs-rest
        Assert.InRange(json.GetProperty("accuracy").GetDouble(), 0.9, 1);
    }

    [Theory]
    [InlineData(new string[0], 1)]
    [InlineData(new[] { "--hidden", "4", "--activation", "relu" }, 2)]
    [InlineData(new[] { "--hidden", "5,3", "--activation", "sigmoid", "--seed", "3" }, 3)]
    public async Task Gradcheck_agrees_with_finite_differences(string[] options, int layers)
    {
        var json = CliFiles.SingleJsonObject(Succeeded(await Run(["gradcheck", "--json", .. options])));

        Assert.True(json.GetProperty("passed").GetBoolean());
        Assert.InRange(json.GetProperty("relativeDifference").GetDouble(), 0, 1e-7);
        var perLayer = json.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(layers, perLayer.Length);
        Assert.Equal(Enumerable.Range(0, layers), perLayer.Select(l => l.GetProperty("layer").GetInt32()));
        Assert.All(perLayer, l => Assert.InRange(l.GetProperty("relativeDifference").GetDouble(), 0, 1e-7));
        Assert.All(perLayer, l => Assert.True(l.GetProperty("parameters").GetInt32() > 0));
    }

    [Fact]
    public async Task Gradcheck_prints_a_table_per_layer_and_the_overall_difference()
    {
        var lines = Succeeded(await Run("gradcheck", "--hidden", "4")).StdoutLines;

        Assert.StartsWith("Gradient check on breast-cancer.csv (embedded)", lines[0], StringComparison.Ordinal);
        Assert.Equal("layer  parameters  relative difference", lines[1]);
        Assert.Matches(@"^\s+0\s+124\s+\d\.\d{3}E-\d{3}$", lines[2]); // 30 x 4 weights and 4 biases
        Assert.Matches(@"^\s+1\s+5\s+\d\.\d{3}E-\d{3}$", lines[3]);
        Assert.Matches(@"^overall relative difference: \d\.\d{3}E-\d{3} \(passed; threshold 1E-06\)$", lines[4]);
    }
}
