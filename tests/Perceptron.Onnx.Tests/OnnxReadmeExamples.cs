using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Perceptron.Tests;
using Xunit;

namespace Perceptron.Onnx.Tests;

/// <summary>
/// The README's ONNX Runtime example, compiled and run here; a test checks that README.md shows exactly
/// the code between the "README" markers (as tests/Perceptron.Tests/ReadmeTests.cs does for the others).
/// </summary>
public class OnnxReadmeExamples
{
    [Fact]
    public void OnnxRuntimeExampleRuns()
    {
        var (model, probabilities, labels) = OnnxRuntime();

        var expected = model.PredictProbabilities(new double[,] { { 1, 0 }, { 0, 0 } });
        Assert.Equal(expected[0, 1], probabilities[1], 1e-5);
        Assert.Equal(expected[1, 0], probabilities[2], 1e-5);
        Assert.Equal(model.Predict(new double[,] { { 1, 0 }, { 0, 0 } }).Select(l => (long)l), labels);
    }

    [Fact]
    public void ReadmeShowsTheCompiledExample()
    {
        var source = File.ReadAllText(RepositoryFiles.Path("tests/Perceptron.Onnx.Tests/OnnxReadmeExamples.cs"));
        var match = Regex.Match(source, @"// README: onnx runtime\n(.*?)\n\s*// README: end", RegexOptions.Singleline);
        Assert.True(match.Success, "OnnxReadmeExamples.cs has no region 'onnx runtime'");
        var lines = match.Groups[1].Value.Split('\n').Select(l => l.StartsWith("        ", StringComparison.Ordinal) ? l[8..] : l.Trim());
        var expected = "```csharp\nusing Microsoft.ML.OnnxRuntime;\nusing Perceptron;\n\n" + string.Join('\n', lines) + "\n```";
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(expected, readme, StringComparison.Ordinal);
    }

    private static (Classifier Model, float[] Probabilities, long[] Labels) OnnxRuntime()
    {
        // README: onnx runtime
        double[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        var model = Classifier.Train(x, new[] { 0, 1, 1, 1 }, new TrainingOptions { Epochs = 300, LearningRate = 1, Seed = 1 });
        string onnxFile = Path.Combine(Path.GetTempPath(), $"perceptron-{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(onnxFile);                            // or: perceptron export --model model.json --output model.onnx

        using var session = new InferenceSession(onnxFile);
        float[] features = { 1, 0, 0, 0 };                     // 2 samples x 2 features, row after row
        using var input = OrtValue.CreateTensorValueFromMemory(features, new long[] { 2, 2 });
        using var runOptions = new RunOptions();
        using var outputs = session.Run(
            runOptions, new Dictionary<string, OrtValue> { ["features"] = input }, new[] { "probabilities", "label" });
        float[] probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();   // 2 x K, row after row
        long[] labels = outputs[1].GetTensorDataAsSpan<long>().ToArray();            // class indices
        Console.WriteLine($"p(1) of the first sample: {probabilities[1]:F3}, labels: {string.Join(", ", labels)}");
        File.Delete(onnxFile);
        // README: end
        return (model, probabilities, labels);
    }
}
