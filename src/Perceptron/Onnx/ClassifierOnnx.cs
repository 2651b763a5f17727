// ONNX export of a classifier (docs/model-format.md, "ONNX export"), for ONNX Runtime and ML.NET.

using System.Reflection;

namespace Perceptron;

public sealed partial class Classifier
{
    /// <summary>The ONNX operator set (opset) of the graphs that <see cref="ExportOnnx(string)"/> writes.</summary>
    public const int OnnxOpset = OnnxGraph.Opset;

    /// <summary>
    /// Writes the model as ONNX to <paramref name="path"/>, atomically: a new temporary file in the same
    /// folder, flushed to disk, then renamed over <paramref name="path"/>; on failure an existing file
    /// is left as it was. Input <c>features</c> (float32, samples x <see cref="FeatureCount"/>, in the
    /// order of <see cref="FeatureNames"/>); outputs <c>probabilities</c> (float32, samples x classes)
    /// and <c>label</c> (int64 class index). The standardisation is part of the graph.
    /// </summary>
    /// <param name="path">The ONNX file to create or replace.</param>
    /// <exception cref="IOException">The file cannot be written (no such folder, permission denied, ...); the message leads with its path.</exception>
    public void ExportOnnx(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var onnx = OnnxGraph.Build(OnnxSource(), ProducerVersion);
        UserFiles.WriteAtomically(path, "the ONNX file", stream => OnnxGraph.Write(onnx, stream));
    }

    /// <summary>Writes the model as ONNX to <paramref name="stream"/> (see <see cref="ExportOnnx(string)"/>).</summary>
    /// <param name="stream">A writable stream; it is left open.</param>
    public void ExportOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("stream is not writable; expected a stream to write the ONNX model to.", nameof(stream));
        }

        OnnxGraph.Write(OnnxGraph.Build(OnnxSource(), ProducerVersion), stream);
    }

    /// <summary>The one place the export reads the model: its model-file document (names, standardisation, layers).</summary>
    private ModelDocument OnnxSource() => ToDocument();

    private static string ProducerVersion =>
        typeof(Classifier).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "unknown";
}
