using Microsoft.ML.OnnxRuntime;
using Perceptron.Tests;
using Xunit;

namespace Perceptron.Onnx.Tests;

/// <summary>
/// Exported models run in ONNX Runtime give the library's probabilities within 1e-5, and its labels
/// wherever the top two probabilities are more than 1e-5 apart: every hidden activation, depths 0 to
/// 3, binary and multi-class, with and without standardisation, random weights and random inputs.
/// </summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    private static readonly string[] Activations = ["sigmoid", "tanh", "relu", "leaky_relu"];

    public static TheoryData<string, int, int, bool> Shapes()
    {
        var shapes = new TheoryData<string, int, int, bool>();
        foreach (var classes in new[] { 2, 4 })
        {
            foreach (var standardize in new[] { false, true })
            {
                shapes.Add("sigmoid", 0, classes, standardize);
                foreach (var activation in Activations)
                {
                    for (var depth = 1; depth <= 3; depth++)
                    {
                        shapes.Add(activation, depth, classes, standardize);
                    }
                }
            }
        }

        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OnnxRuntimeGivesTheLibrarysProbabilitiesAndLabels(string activation, int depth, int classes, bool standardize)
    {
        var seed = (Array.IndexOf(Activations, activation) * 10 + depth) * 100 + classes * 10 + (standardize ? 1 : 0);
        var random = new Random(seed);
        var model = RandomModel(random, activation, depth, features: 7, classes, standardize);
        var inputs = RandomInputs(random, model, samples: 300);

        var expected = model.PredictProbabilities(OnnxRun.Widen(inputs));
        var expectedLabels = model.Predict(OnnxRun.Widen(inputs));
        var actual = OnnxRun.Run(OnnxRun.Export(model), inputs);

        Assert.Equal(new[] { inputs.GetLength(0), classes }, new[] { actual.Probabilities.GetLength(0), actual.Probabilities.GetLength(1) });
        Assert.Equal(inputs.GetLength(0), actual.Labels.Length);
        var compared = 0;
        for (var i = 0; i < inputs.GetLength(0); i++)
        {
            for (var k = 0; k < classes; k++)
            {
                Assert.True(
                    Math.Abs(expected[i, k] - actual.Probabilities[i, k]) <= Tolerance,
                    $"sample {i}, class {k}: library {expected[i, k]:R}, ONNX Runtime {actual.Probabilities[i, k]:R} (seed {seed})");
            }

            var sorted = Enumerable.Range(0, classes).Select(k => expected[i, k]).OrderDescending().ToArray();
            if (sorted[0] - sorted[1] > Tolerance)
            {
                Assert.True(expectedLabels[i] == actual.Labels[i], $"sample {i}: library {expectedLabels[i]}, ONNX Runtime {actual.Labels[i]} (seed {seed})");
                compared++;
            }
        }

        // The inputs are spread so that most samples are not ties: otherwise the label check would be empty.
        Assert.True(compared > inputs.GetLength(0) / 2, $"only {compared} samples had distinct top probabilities");
    }

    [Fact]
    public void A_weight_beyond_float32s_range_is_refused_not_exported_as_an_infinity()
    {
        var model = Classifier.Train(
            new double[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } }, [0, 1, 1, 1], new TrainingOptions { Epochs = 5 });
        var document = model.ToDocument();
        document.Layers[0].Weights[0, 1] = 1e300;
        using var stream = new MemoryStream();

        var error = Assert.Throws<ArgumentException>(() => Classifier.FromDocument(document).ExportOnnx(stream));

        Assert.StartsWith("layers[0].", error.Message, StringComparison.Ordinal);
        Assert.Contains("float32", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void TheGraphHasTheDocumentedInputsOutputsAndMetadata()
    {
        var model = RandomModel(new Random(3), "relu", 2, features: 5, classes: 3, standardize: true);
        using var session = new InferenceSession(OnnxRun.Export(model));

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("features", input.Key);
        Assert.Equal(typeof(float), input.Value.ElementType);
        Assert.Equal(new[] { -1, 5 }, input.Value.Dimensions);
        Assert.Equal(new[] { "probabilities", "label" }, session.OutputMetadata.Keys);
        Assert.Equal(typeof(float), session.OutputMetadata["probabilities"].ElementType);
        Assert.Equal(new[] { -1, 3 }, session.OutputMetadata["probabilities"].Dimensions);
        Assert.Equal(typeof(long), session.OutputMetadata["label"].ElementType);
        Assert.Equal(new[] { -1 }, session.OutputMetadata["label"].Dimensions);

        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("[\"f0\",\"f1\",\"f2\",\"f3\",\"f4\"]", metadata["features"]);
        Assert.Equal("[\"c0\",\"c1\",\"c2\"]", metadata["classes"]);
        Assert.Equal("target", metadata["label"]);
        Assert.Equal("Perceptron", session.ModelMetadata.ProducerName);
        Assert.Equal(17, Classifier.OnnxOpset);
    }

    [Fact]
    public void ExportToAFileReplacesItAndLeavesNoTemporaryFile()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.onnx");
        File.WriteAllText(path, "an older file");
        var model = RandomModel(new Random(5), "tanh", 1, features: 3, classes: 2, standardize: false);

        model.ExportOnnx(path);

        Assert.Equal(OnnxRun.Export(model), File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(scratch.Directory));
    }

    [Fact]
    public void ExportToAMissingFolderNamesTheFileAndWritesNothing()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path(Path.Combine("missing", "model.onnx"));
        var model = RandomModel(new Random(6), "tanh", 1, features: 3, classes: 2, standardize: false);

        var error = Assert.Throws<DirectoryNotFoundException>(() => model.ExportOnnx(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("no such directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Directory));
    }

    [Fact]
    public void ExportToAReadOnlyStreamNamesTheStream()
    {
        var model = RandomModel(new Random(7), "tanh", 1, features: 3, classes: 2, standardize: false);
        using var readOnly = new MemoryStream(new byte[16], writable: false);

        var error = Assert.Throws<ArgumentException>(() => model.ExportOnnx(readOnly));

        Assert.Equal("stream", error.ParamName);
    }

    /// <summary>A model with random weights large enough that its probabilities spread over (0, 1).</summary>
    internal static Classifier RandomModel(Random random, string activation, int depth, int features, int classes, bool standardize)
    {
        var layers = new List<LayerDocument>();
        var inputs = features;
        for (var l = 0; l <= depth; l++)
        {
            var last = l == depth;
            var units = last ? (classes == 2 ? 1 : classes) : 3 + random.Next(6);
            var weights = new double[units, inputs];
            var bias = new double[units];
            for (var u = 0; u < units; u++)
            {
                bias[u] = random.NextDouble() - 0.5;
                for (var j = 0; j < inputs; j++)
                {
                    weights[u, j] = 2.5 * random.NextGaussian() / Math.Sqrt(inputs);
                }
            }

            layers.Add(new LayerDocument(last ? (classes == 2 ? "sigmoid" : "softmax") : activation, weights, bias));
            inputs = units;
        }

        return Classifier.FromDocument(new ModelDocument
        {
            Features = Enumerable.Range(0, features).Select(j => $"f{j}").ToArray(),
            Label = "target",
            Classes = Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray(),
            Standardization = standardize
                ? new Standardization(
                    Enumerable.Range(0, features).Select(_ => 10 * (random.NextDouble() - 0.5)).ToArray(),
                    Enumerable.Range(0, features).Select(_ => 0.5 + 2.5 * random.NextDouble()).ToArray())
                : null,
            Layers = layers,
        });
    }

    /// <summary>Random float32 inputs around the model's training distribution (its standardisation, if any).</summary>
    internal static float[,] RandomInputs(Random random, Classifier model, int samples)
    {
        var document = model.ToDocument();
        var inputs = new float[samples, model.FeatureCount];
        for (var i = 0; i < samples; i++)
        {
            for (var j = 0; j < model.FeatureCount; j++)
            {
                var (mean, std) = document.Standardization is { } s ? (s.Mean[j], s.Std[j]) : (0.0, 1.0);
                inputs[i, j] = (float)(mean + 1.5 * std * random.NextGaussian());
            }
        }

        return inputs;
    }
}

internal static class RandomExtensions
{
    /// <summary>A standard normal sample (Box-Muller).</summary>
    public static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
