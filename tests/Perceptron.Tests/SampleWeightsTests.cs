// Sample and class weights through the facade: the Train overload, TrainingOptions.ClassWeights,
// their errors, and what the model file records (old files without the fields still load).

using Xunit;

namespace Perceptron.Tests;

public sealed class SampleWeightsTests
{
    private static readonly TrainingOptions FullBatch = new()
    {
        Epochs = 30,
        LearningRate = 0.3,
        Standardize = false,
        Seed = 2,
    };

    /// <summary>Each row repeated as many times as its (integer) weight.</summary>
    private static (double[,] Features, int[] Labels) Repeated(double[,] features, int[] labels, double[] weights)
    {
        var rows = weights.SelectMany((w, i) => Enumerable.Repeat(i, (int)w)).ToArray();
        return (Samples.TakeRows(features, rows), Samples.TakeRows(labels, rows));
    }

    [Theory]
    [InlineData(Optimizer.GradientDescent)]
    [InlineData(Optimizer.Momentum)]
    [InlineData(Optimizer.Adam)]
    public void Integer_sample_weights_train_as_repeated_rows(Optimizer optimizer)
    {
        var data = SyntheticData.Blobs(seed: 3, classes: 3, perClass: 20);
        var weights = Enumerable.Range(0, data.Labels.Length).Select(i => (double)(i % 4)).ToArray();
        var (features, labels) = Repeated(data.Features, data.Labels, weights);
        var options = FullBatch with { Optimizer = optimizer, HiddenLayers = [5], LearningRate = 0.05 };

        var weighted = Classifier.Train(data.Features, data.Labels, weights, options);
        var repeated = Classifier.Train(features, labels, options);

        Assert.Equal(repeated.Costs.Count, weighted.Costs.Count);
        for (var e = 0; e < repeated.Costs.Count; e++)
        {
            Assert.Equal(repeated.Costs[e], weighted.Costs[e], 1e-9 * Math.Max(1, Math.Abs(repeated.Costs[e])));
        }

        for (var l = 0; l < repeated.Layers.Count; l++)
        {
            var expected = repeated.Layers[l].CopyWeights();
            var actual = weighted.Layers[l].CopyWeights();
            foreach (var (a, b) in expected.Cast<double>().Zip(actual.Cast<double>()))
            {
                Assert.Equal(a, b, 1e-9 * Math.Max(1, Math.Abs(a)));
            }
        }

        Assert.True(weighted.SampleWeighted);
        Assert.False(repeated.SampleWeighted);
    }

    [Fact]
    public void Training_without_weights_is_unchanged_by_the_overload_machinery()
    {
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 80);
        var plain = Classifier.Train(data.Features, data.Labels, FullBatch);
        var again = Classifier.Train(data.Features, data.Labels, FullBatch with { ClassWeights = ClassWeights.None });
        Assert.True(SyntheticData.BitIdentical(plain.Costs, again.Costs));
        Assert.True(SyntheticData.BitIdentical(plain.Layers[0].CopyWeights(), again.Layers[0].CopyWeights()));
    }

    public static TheoryData<double[], string> BadWeights => new()
    {
        { [1, double.NaN, 1, 1], "sampleWeights[1] is NaN" },
        { [1, 1, -2, 1], "sampleWeights[2] is -2" },
        { [1, 1, 1, double.NegativeInfinity], "sampleWeights[3] is -Infinity" },
        { [1, 1], "sampleWeights has 2 values for 4 samples" },
        { [0, 0, 0, 0], "sampleWeights are all 0" },
    };

    [Theory]
    [MemberData(nameof(BadWeights))]
    public void Bad_weight_vectors_are_ArgumentExceptions_naming_sampleWeights(double[] weights, string message)
    {
        double[,] x = { { 0, 1 }, { 1, 0 }, { 1, 1 }, { 0, 0 } };
        var e = Assert.ThrowsAny<ArgumentException>(() => Classifier.Train(x, [0, 1, 1, 0], weights));
        Assert.Equal("sampleWeights", e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_weights_are_an_ArgumentNullException()
    {
        double[,] x = { { 0, 1 }, { 1, 0 } };
        var e = Assert.Throws<ArgumentNullException>(() => Classifier.Train(x, [0, 1], (double[])null!));
        Assert.Equal("sampleWeights", e.ParamName);
    }

    [Fact]
    public void Explicit_class_weights_are_checked_when_made_and_counted_when_training()
    {
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => ClassWeights.Explicit(1, -1)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => ClassWeights.Explicit(double.NaN)).ParamName);
        Assert.StartsWith("weights are all 0;", Assert.Throws<ArgumentException>(() => ClassWeights.Explicit(0, 0)).Message, StringComparison.Ordinal);
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 40);
        var e = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.Train(data.Features, data.Labels, FullBatch with { ClassWeights = ClassWeights.Explicit(1, 2, 3) }));
        Assert.Equal("ClassWeights", e.ParamName);
        Assert.Contains("3 weights for 2 classes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_weights_are_the_sample_weights_of_their_classes()
    {
        var data = SyntheticData.LinearlySeparable(seed: 4, samples: 60);
        var byClass = Classifier.Train(data.Features, data.Labels, FullBatch with { ClassWeights = ClassWeights.Explicit(1, 4) });
        var bySample = Classifier.Train(data.Features, data.Labels, data.Labels.Select(y => y == 1 ? 4.0 : 1.0).ToArray(), FullBatch);
        Assert.True(SyntheticData.BitIdentical(byClass.Costs, bySample.Costs));
        Assert.True(SyntheticData.BitIdentical(byClass.Layers[0].CopyWeights(), bySample.Layers[0].CopyWeights()));
    }

    [Fact]
    public void ClassWeights_compare_by_kind_and_weights_and_print_as_the_console_takes_them()
    {
        Assert.Equal(ClassWeights.Explicit(1, 5), ClassWeights.Explicit(1, 5));
        Assert.NotEqual(ClassWeights.Explicit(1, 5), ClassWeights.Explicit(5, 1));
        Assert.NotEqual(ClassWeights.Balanced, ClassWeights.None);
        Assert.Equal("balanced", ClassWeights.Balanced.ToString());
        Assert.Equal("none", ClassWeights.None.ToString());
        Assert.Equal("1,0.5", ClassWeights.Explicit(1, 0.5).ToString());
        Assert.Null(ClassWeights.Balanced.Weights);
    }

    [Theory]
    [InlineData("balanced")]
    [InlineData("explicit")]
    [InlineData("none")]
    public void The_model_file_records_class_weights_and_sample_weights(string kind)
    {
        var classWeights = kind switch
        {
            "balanced" => ClassWeights.Balanced,
            "explicit" => ClassWeights.Explicit(1, 2.5),
            _ => ClassWeights.None,
        };
        var data = SyntheticData.LinearlySeparable(seed: 5, samples: 40);
        var weights = Enumerable.Repeat(2.0, 40).ToArray();
        var model = Classifier.Train(data.Features, data.Labels, weights, FullBatch with { ClassWeights = classWeights });
        var path = Path.Combine(Path.GetTempPath(), $"perceptron-weights-{Guid.NewGuid():N}.json");
        try
        {
            model.Save(path);
            var text = File.ReadAllText(path);
            Assert.Contains("\"sampleWeights\": true", text, StringComparison.Ordinal);
            Assert.Equal(kind != "none", text.Contains("\"classWeights\"", StringComparison.Ordinal));
            var loaded = Classifier.Load(path);
            Assert.True(loaded.SampleWeighted);
            Assert.Equal(classWeights, loaded.Options!.ClassWeights);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_model_file_without_the_fields_loads_unweighted()
    {
        var loaded = Classifier.FromDocument(ModelFile.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(
            CliFiles.SmallModel.Replace("\n}", ",\n\"training\": {\"optimizer\": \"gd\", \"learningRate\": 0.5, \"costs\": []}\n}", StringComparison.Ordinal))), "old.json"));
        Assert.False(loaded.SampleWeighted);
        Assert.Equal(ClassWeights.None, loaded.Options!.ClassWeights);
        Assert.DoesNotContain("Weights", string.Join(",", loaded.ToDocument().Training.Extra.Keys), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"classWeights\": \"1\"", "training.classWeights has 1 value; expected 2 (one per class)")]
    [InlineData("\"classWeights\": \"1,-3\"", "training.classWeights[1] is -3; expected a finite number >= 0")]
    [InlineData("\"classWeights\": \"1,NaN\"", "training.classWeights[1] is NaN; expected a finite number")]
    [InlineData("\"classWeights\": \"heavy\"", "training.classWeights is 'heavy'; expected \"balanced\"")]
    [InlineData("\"classWeights\": [1, 2]", "training.classWeights is an array; expected a string")]
    [InlineData("\"sampleWeights\": 1", "training.sampleWeights is a number (1); expected true or false")]
    public void Bad_weights_in_a_model_file_are_named_by_their_path(string field, string message)
    {
        var text = CliFiles.SmallModel.Replace("\n}", $",\n\"training\": {{{field}, \"costs\": []}}\n}}", StringComparison.Ordinal);
        var e = Assert.Throws<DataFormatException>(
            () => ModelFile.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "bad.json"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
