// Finite values near the limits of double: a column of ±1e308 trains through the console host and
// the facade, because standardisation does not overflow; without standardisation the cost overflows,
// which is divergence, not bad data; and a value that truly cannot be standardised is an error that
// names its column. No message ever calls a finite value NaN.

using System.Globalization;
using System.Text;
using Xunit;

namespace Perceptron.Tests;

public sealed class HugeValuesTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Folder => _scratch.Directory;

    public void Dispose() => _scratch.Dispose();

    /// <summary>Column a alternates +1e308 and -1e308; column b separates the classes; label y.</summary>
    private static (double[,] Features, int[] Labels) HugeColumn(int samples = 40)
    {
        var features = new double[samples, 2];
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            labels[i] = i % 2;
            features[i, 0] = i % 3 == 0 ? -1e308 : 1e308;
            features[i, 1] = labels[i] + (0.4 * ((i * 7 % 10) / 10.0 - 0.45));
        }

        return (features, labels);
    }

    private static string Csv(double[,] features, int[] labels)
    {
        var text = new StringBuilder("a,b,y\n");
        for (var i = 0; i < labels.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{features[i, 0]:R},{features[i, 1]:R},{labels[i]}\n");
        }

        return text.ToString();
    }

    private string HugeCsv()
    {
        var (features, labels) = HugeColumn();
        return CliFiles.Write(Folder, "huge.csv", Csv(features, labels));
    }

    /// <summary>The done-when: it trains, or exits 2 with one line that names column a and does not say NaN.</summary>
    [Fact]
    public async Task Training_on_a_column_of_plus_minus_1e308_trains_or_names_the_column()
    {
        var result = await CliHost.RunAsync(Folder, "train", "--data", HugeCsv());

        if (result.ExitCode == 0)
        {
            Assert.True(result.Stderr.Length == 0, result.ToString());
            Assert.Contains(result.StdoutLines, l => l.StartsWith("test accuracy:", StringComparison.Ordinal));
        }
        else
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            var line = Assert.Single(result.StderrLines);
            Assert.Contains("'a'", line, StringComparison.Ordinal);
            Assert.DoesNotContain("NaN", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_model_trained_on_plus_minus_1e308_standardises_column_a_with_finite_numbers()
    {
        var model = Path.Combine(Folder, "huge.json");
        var result = await CliHost.RunAsync(Folder, "train", "--data", HugeCsv(), "--model", model);

        Assert.True(result.ExitCode == 0, result.ToString());
        var standardization = CliFiles.ReadJson(model).GetProperty("standardization");
        var mean = standardization.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var std = standardization.GetProperty("std").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(double.IsFinite(mean[0]) && double.IsFinite(std[0]) && std[0] > 0, $"mean {mean[0]}, std {std[0]}");
        // a holds 1e308 and -1e308 only: its std is of the same order, not infinite or 0.
        Assert.InRange(std[0], 1e307, 1e308);
    }

    [Fact]
    public async Task Without_standardisation_the_overflowing_cost_is_divergence_not_bad_data()
    {
        var result = await CliHost.RunAsync(Folder, "train", "--data", HugeCsv(), "--no-standardize");

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("diverged", line, StringComparison.Ordinal);
        Assert.DoesNotContain("features[", line, StringComparison.Ordinal);
        Assert.DoesNotContain("is NaN", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_value_too_far_from_the_training_data_is_a_one_line_error_naming_its_column_without_NaN()
    {
        // a is constant at 1e308 in training (std 1): -1e308 in the test file lies 2e308 deviations away.
        var train = CliFiles.Write(Folder, "constant.csv", "a,b,y\n1e308,0,0\n1e308,1,1\n1e308,0.2,0\n1e308,0.9,1\n");
        var test = CliFiles.Write(Folder, "far.csv", "a,b,y\n-1e308,0,0\n1e308,1,1\n");

        var result = await CliHost.RunAsync(Folder, "train", "--data", train, "--test", test, "--epochs", "10");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("column 'a' cannot be standardised", line, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_facade_trains_on_plus_minus_1e308_and_predicts_from_the_other_column()
    {
        var (features, labels) = HugeColumn();

        var model = Classifier.Train(features, labels, new TrainingOptions { LearningRate = 0.5, Epochs = 300 });

        Assert.All(model.Costs, c => Assert.True(double.IsFinite(c), $"cost {c}"));
        Assert.Equal(labels, model.Predict(features));
        Assert.All(model.PredictProbabilities(features).Cast<double>(), p => Assert.InRange(p, 0.0, 1.0));
    }

    [Fact]
    public void Without_standardisation_the_facade_reports_divergence()
    {
        var (features, labels) = HugeColumn();

        var exception = Assert.Throws<TrainingDivergedException>(() => Classifier.Train(
            features, labels, new TrainingOptions { LearningRate = 0.5, Epochs = 300, Standardize = false }));

        Assert.DoesNotContain("features[", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_the_model_cannot_standardise_is_an_ArgumentException_about_its_column_not_NaN()
    {
        var features = new double[,] { { 1e308, 0 }, { 1e308, 1 }, { 1e308, 0.2 }, { 1e308, 0.9 } };
        var model = Classifier.Train(features, [0, 1, 0, 1], new TrainingOptions { Epochs = 10 });

        var exception = Assert.ThrowsAny<ArgumentException>(() => model.Predict(new double[,] { { -1e308, 0.5 } }));

        Assert.Equal("features", exception.ParamName);
        Assert.Contains("column", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_trained_on_a_column_of_subnormal_spread_can_be_saved_and_loaded()
    {
        // Column 0 alternates 0 and 1e-320: its standard deviation is subnormal, which a model file refuses.
        var features = new double[,] { { 0, 0 }, { 1e-320, 1 }, { 0, 0.2 }, { 1e-320, 0.9 } };
        var model = Classifier.Train(features, [0, 1, 0, 1], new TrainingOptions { Epochs = 10 });
        var path = Path.Combine(Path.GetTempPath(), $"perceptron-subnormal-{Guid.NewGuid():N}.json");
        try
        {
            model.Save(path);
            Assert.Equal(model.Predict(features), Classifier.Load(path).Predict(features));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
