// Runs an exported model in the real ONNX Runtime (CPU provider) and hands back its two outputs.

using Microsoft.ML.OnnxRuntime;

namespace Perceptron.Onnx.Tests;

internal sealed record OnnxOutputs(float[,] Probabilities, long[] Labels);

internal static class OnnxRun
{
    /// <summary>Runs the ONNX model in <paramref name="onnx"/> on samples-as-rows float32 features.</summary>
    public static OnnxOutputs Run(byte[] onnx, float[,] features)
    {
        using var session = new InferenceSession(onnx);
        return Run(session, features);
    }

    public static OnnxOutputs Run(InferenceSession session, float[,] features)
    {
        int samples = features.GetLength(0), columns = features.GetLength(1);
        using var input = OrtValue.CreateTensorValueFromMemory(features.Cast<float>().ToArray(), new long[] { samples, columns });
        using var runOptions = new RunOptions();
        using var results = session.Run(
            runOptions, new Dictionary<string, OrtValue> { ["features"] = input }, new[] { "probabilities", "label" });
        var probabilities = results[0];
        var shape = probabilities.GetTensorTypeAndShape().Shape;
        var values = probabilities.GetTensorDataAsSpan<float>();
        var matrix = new float[shape[0], shape[1]];
        for (var i = 0; i < shape[0]; i++)
        {
            for (var k = 0; k < shape[1]; k++)
            {
                matrix[i, k] = values[(int)(i * shape[1] + k)];
            }
        }

        return new OnnxOutputs(matrix, results[1].GetTensorDataAsSpan<long>().ToArray());
    }

    /// <summary>The float32 features as doubles: the library then sees exactly what ONNX Runtime sees.</summary>
    public static double[,] Widen(float[,] features)
    {
        var wide = new double[features.GetLength(0), features.GetLength(1)];
        for (var i = 0; i < features.GetLength(0); i++)
        {
            for (var j = 0; j < features.GetLength(1); j++)
            {
                wide[i, j] = features[i, j];
            }
        }

        return wide;
    }

    public static float[,] Narrow(double[,] features)
    {
        var narrow = new float[features.GetLength(0), features.GetLength(1)];
        for (var i = 0; i < features.GetLength(0); i++)
        {
            for (var j = 0; j < features.GetLength(1); j++)
            {
                narrow[i, j] = (float)features[i, j];
            }
        }

        return narrow;
    }

    public static byte[] Export(Classifier model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }
}
