// The ONNX graph of a model (docs/model-format.md, "ONNX export"): input `features` float32 [N, F];
// the standardisation folded into the first Gemm; each layer a Gemm and its activation; outputs
// `probabilities` float32 [N, K] and `label` int64 [N]. Built with the classes that Grpc.Tools
// generates from the vendored onnx.proto3, so the protobuf encoding is Google.Protobuf's.

using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using OnnxProto = global::Onnx;

namespace Perceptron;

internal static class OnnxGraph
{
    /// <summary>The ONNX operator set the graph uses (every operator in it has existed since opset 13).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version that goes with <see cref="Opset"/> (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    public const string Input = "features";
    public const string Probabilities = "probabilities";
    public const string Label = "label";

    /// <summary>Builds the ONNX model of a valid model document.</summary>
    /// <param name="model">The model, as the JSON model file holds it.</param>
    /// <param name="producerVersion">The version of Perceptron that wrote it.</param>
    public static OnnxProto.ModelProto Build(ModelDocument model, string producerVersion)
    {
        var graph = new OnnxProto.GraphProto { Name = "perceptron" };
        var features = model.Features.Count;
        var classes = model.Classes.Count;
        graph.Input.Add(Tensor(Input, OnnxProto.TensorProto.Types.DataType.Float, Batch(), Fixed(features)));

        var previous = Input;
        for (var l = 0; l < model.Layers.Count; l++)
        {
            var (weights, bias) = Parameters(model, l);
            var last = l == model.Layers.Count - 1;
            var gemm = $"gemm_{l}";
            graph.Initializer.Add(Initializer($"weights_{l}", weights));
            graph.Initializer.Add(Initializer($"bias_{l}", bias));
            graph.Node.Add(Node(
                "Gemm", [previous, $"weights_{l}", $"bias_{l}"], gemm, Attribute("transB", 1L), Attribute("alpha", 1f), Attribute("beta", 1f)));
            var output = last ? Probabilities : $"activation_{l}";
            graph.Node.Add(Activation(model.Layers[l].Activation, gemm, output));
            previous = output;
        }

        graph.Node.Add(Node("ArgMax", [Probabilities], Label, Attribute("axis", 1L), Attribute("keepdims", 0L)));
        graph.Output.Add(Tensor(Probabilities, OnnxProto.TensorProto.Types.DataType.Float, Batch(), Fixed(classes)));
        graph.Output.Add(Tensor(Label, OnnxProto.TensorProto.Types.DataType.Int64, Batch()));

        var onnx = new OnnxProto.ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Perceptron",
            ProducerVersion = producerVersion,
            DocString = "A Perceptron classifier: features in model order, class probabilities and the most probable class out.",
            Graph = graph,
        };
        onnx.OpsetImport.Add(new OnnxProto.OperatorSetIdProto { Domain = "", Version = Opset });
        onnx.MetadataProps.Add(Metadata("features", JsonSerializer.Serialize(model.Features)));
        onnx.MetadataProps.Add(Metadata("classes", JsonSerializer.Serialize(model.Classes)));
        onnx.MetadataProps.Add(Metadata("label", model.Label));
        return onnx;
    }

    /// <summary>A parameter as float32, which ONNX graphs hold; one beyond float32's range is refused, not turned into an infinity.</summary>
    private static float Single(double value, int layer, string what)
    {
        var single = (float)value;
        if (!float.IsFinite(single))
        {
            throw new ArgumentException(
                $"layers[{layer}].{what} is {value.ToString("R", CultureInfo.InvariantCulture)} once the standardisation is folded in; "
                + "expected a number within float32's range (about 3.4E+38), which ONNX graphs hold");
        }

        return single;
    }

    /// <summary>
    /// The float32 weights (units x inputs) and bias of layer <paramref name="l"/>, computed in double
    /// and rounded once. The first layer absorbs the standardisation: w·((x - m) / s) + b equals
    /// (w / s)·x + (b - Σ w m / s). A one-unit sigmoid output becomes two units, -z and z, so that
    /// its sigmoids are p(0) and p(1).
    /// </summary>
    private static (float[,] Weights, float[] Bias) Parameters(ModelDocument model, int l)
    {
        var layer = model.Layers[l];
        var weights = (double[,])layer.Weights.Clone();
        var bias = (double[])layer.Bias.Clone();
        if (l == 0 && model.Standardization is { } standardization)
        {
            for (var u = 0; u < layer.Units; u++)
            {
                var shift = 0.0;
                for (var j = 0; j < layer.Inputs; j++)
                {
                    weights[u, j] = layer.Weights[u, j] / standardization.Std[j];
                    shift += weights[u, j] * standardization.Mean[j];
                }

                bias[u] -= shift;
            }
        }

        var binary = l == model.Layers.Count - 1 && layer.Units == 1;
        var sign = binary ? new[] { -1.0, 1.0 } : [1.0];
        var result = new float[layer.Units * sign.Length, layer.Inputs];
        var resultBias = new float[layer.Units * sign.Length];
        for (var s = 0; s < sign.Length; s++)
        {
            for (var u = 0; u < layer.Units; u++)
            {
                var row = s * layer.Units + u;
                resultBias[row] = Single(sign[s] * bias[u], l, $"bias[{u}]");
                for (var j = 0; j < layer.Inputs; j++)
                {
                    result[row, j] = Single(sign[s] * weights[u, j], l, $"weights[{u}][{j}]");
                }
            }
        }

        return (result, resultBias);
    }

    private static OnnxProto.NodeProto Activation(string activation, string input, string output) => activation switch
    {
        "sigmoid" => Node("Sigmoid", [input], output),
        "tanh" => Node("Tanh", [input], output),
        "relu" => Node("Relu", [input], output),
        "leaky_relu" => Node("LeakyRelu", [input], output, Attribute("alpha", (float)Core.ActivationModule.LeakySlope)),
        "softmax" => Node("Softmax", [input], output, Attribute("axis", 1L)),
        _ => throw new ArgumentException($"Activation '{activation}' has no ONNX operator here.", nameof(activation)),
    };

    private static OnnxProto.NodeProto Node(string op, string[] inputs, string output, params OnnxProto.AttributeProto[] attributes)
    {
        var node = new OnnxProto.NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static OnnxProto.AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = OnnxProto.AttributeProto.Types.AttributeType.Int, I = value };

    private static OnnxProto.AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = OnnxProto.AttributeProto.Types.AttributeType.Float, F = value };

    private static OnnxProto.TensorProto Initializer(string name, float[,] values)
    {
        var tensor = new OnnxProto.TensorProto { Name = name, DataType = (int)OnnxProto.TensorProto.Types.DataType.Float };
        tensor.Dims.Add(values.GetLength(0));
        tensor.Dims.Add(values.GetLength(1));
        tensor.FloatData.AddRange(values.Cast<float>()); // row-major, as ONNX stores tensors
        return tensor;
    }

    private static OnnxProto.TensorProto Initializer(string name, float[] values)
    {
        var tensor = new OnnxProto.TensorProto { Name = name, DataType = (int)OnnxProto.TensorProto.Types.DataType.Float };
        tensor.Dims.Add(values.Length);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static OnnxProto.TensorShapeProto.Types.Dimension Batch() => new() { DimParam = "N" };

    private static OnnxProto.TensorShapeProto.Types.Dimension Fixed(int size) => new() { DimValue = size };

    private static OnnxProto.ValueInfoProto Tensor(
        string name, OnnxProto.TensorProto.Types.DataType type, params OnnxProto.TensorShapeProto.Types.Dimension[] shape)
    {
        var tensorShape = new OnnxProto.TensorShapeProto();
        tensorShape.Dim.AddRange(shape);
        return new OnnxProto.ValueInfoProto
        {
            Name = name,
            Type = new OnnxProto.TypeProto
            {
                TensorType = new OnnxProto.TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape },
            },
        };
    }

    private static OnnxProto.StringStringEntryProto Metadata(string key, string value) => new() { Key = key, Value = value };

    /// <summary>The encoded model, as ONNX files hold it.</summary>
    public static void Write(OnnxProto.ModelProto model, Stream stream) => model.WriteTo(stream);
}
