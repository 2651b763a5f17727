using System.CommandLine;
using System.Globalization;

namespace Perceptron.Cli;

/// <summary>`perceptron predict`: one row per sample with the predicted class and the class probabilities.</summary>
internal static class PredictCommand
{
    public static Command Build(TextWriter output)
    {
        var model = CommonOptions.Model("The model file to predict with.", required: true);
        var data = CommonOptions.Data("CSV file with the model's feature columns (the label column may be present).");
        data.Required = true;
        var outputFile = new Option<string?>("--output")
        {
            Description = "Write the predictions to this CSV file (written atomically) instead of stdout.",
            HelpName = "FILE",
        };
        var command = new Command("predict", "Predict the class of each sample of a CSV file.") { model, data, outputFile };
        command.SetAction(parse =>
        {
            CommonOptions.CheckOutputPath(
                parse.GetValue(outputFile), "--output", ("--data", parse.GetValue(data)), ("--model", parse.GetValue(model)));
            var classifier = Classifier.Load(parse.GetValue(model)!);
            var table = DataSource.Load(parse.GetValue(data), classifier.LabelName, LabelColumn.Optional);
            table.CheckFeatures(classifier.FeatureNames);
            var probabilities = Rows.Overflowing(table, () => classifier.PredictProbabilities(table.Features, Rows.DataRows));
            var predicted = Rows.Overflowing(table, () => classifier.Predict(table.Features, Rows.DataRows));
            void Write(TextWriter writer)
            {
                var header = new[] { "predicted", "probability" }.Concat(classifier.Classes.Select(c => $"p_{c}"));
                writer.WriteLine(string.Join(',', header.Select(Csv)));
                for (var i = 0; i < predicted.Length; i++)
                {
                    var cells = new List<string>
                    {
                        Csv(classifier.Classes[predicted[i]]),
                        probabilities[i, predicted[i]].ToString("R", CultureInfo.InvariantCulture),
                    };
                    for (var c = 0; c < classifier.Classes.Count; c++)
                    {
                        cells.Add(probabilities[i, c].ToString("R", CultureInfo.InvariantCulture));
                    }

                    writer.WriteLine(string.Join(',', cells));
                }
            }

            var path = parse.GetValue(outputFile);
            if (path is null)
            {
                Write(output);
            }
            else
            {
                Output.WriteAtomically(path, Write);
            }

            return ExitCode.Success;
        });
        return command;
    }

    /// <summary>Quotes a CSV cell when it holds a comma, quote or line break.</summary>
    public static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
