using System.CommandLine;

namespace Perceptron.Cli;

/// <summary>`perceptron export`: a model file as ONNX, for ONNX Runtime and ML.NET (docs/model-format.md).</summary>
internal static class ExportCommand
{
    public static Command Build(TextWriter output)
    {
        var model = CommonOptions.Model("The model file to export.", required: true);
        var onnx = new Option<string>("--output")
        {
            Description = "The ONNX file to write (written atomically; an existing file is replaced only on success).",
            HelpName = "FILE",
            Required = true,
        };
        var command = new Command("export", "Export a model file as ONNX (input 'features'; outputs 'probabilities' and 'label').")
        {
            model,
            onnx,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(onnx)!;
            CommonOptions.CheckOutputPath(path, "--output", ("--model", parse.GetValue(model)));
            var classifier = Classifier.Load(parse.GetValue(model)!);
            classifier.ExportOnnx(path);
            output.WriteLine(
                $"wrote {path}: ONNX opset {Classifier.OnnxOpset}, input features [N, {classifier.FeatureCount}], "
                + $"outputs probabilities [N, {classifier.Classes.Count}] and label [N]");
            return ExitCode.Success;
        });
        return command;
    }
}
