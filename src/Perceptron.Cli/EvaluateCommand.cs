using System.CommandLine;
using System.Globalization;

namespace Perceptron.Cli;

/// <summary>`perceptron evaluate`: accuracy, per-class scores, log loss, ROC AUC and the confusion matrix.</summary>
internal static class EvaluateCommand
{
    public static Command Build(TextWriter output)
    {
        var model = CommonOptions.Model("The model file to evaluate.", required: true);
        var data = CommonOptions.Data("Labelled CSV file with the model's feature columns and label column.");
        data.Required = true;
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot")
        {
            Description = "Write the ROC curve of a two-class model to this PNG file.",
            HelpName = "FILE.png",
        };
        var command = new Command("evaluate", "Measure a model on labelled data.") { model, data, json, plot };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            Plots.CheckPath(plotPath, "--plot", ("--data", parse.GetValue(data)), ("--model", parse.GetValue(model)));
            var classifier = Classifier.Load(parse.GetValue(model)!);
            if (plotPath is not null && classifier.Classes.Count != 2)
            {
                throw new UsageException($"--plot draws a ROC curve, which needs a two-class model; this one has {classifier.Classes.Count} classes");
            }

            var table = DataSource.Load(parse.GetValue(data), classifier.LabelName);
            table.CheckFeatures(classifier.FeatureNames);
            var labels = table.EncodeLabels(classifier.Classes);
            var evaluation = Rows.Overflowing(table, () => classifier.Evaluate(table.Features, labels, Rows.DataRows));
            if (plotPath is not null)
            {
                if (evaluation.RocAuc is not double auc)
                {
                    throw new UsageException($"--plot needs samples of both classes in {table.Source}");
                }

                Plots.Roc(plotPath, evaluation.RocCurve, auc, classifier.Classes[1]);
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                    new
                    {
                        data = table.Source,
                        model = parse.GetValue(model),
                        layers = classifier.Layers.Select(l => new { units = l.Units, inputs = l.Inputs, activation = l.Activation }),
                        samples = evaluation.Samples,
                        classes = evaluation.Classes,
                        accuracy = evaluation.Accuracy,
                        logLoss = evaluation.LogLoss,
                        rocAuc = evaluation.RocAuc,
                        perClass = evaluation.PerClass,
                        confusionMatrix = evaluation.ConfusionMatrix,
                    },
                    Output.Json));
                return ExitCode.Success;
            }

            var plain = Output.Plain(false);
            var summary = new List<(string, string)>
            {
                ("data", $"{table.Source} ({evaluation.Samples} samples)"),
                ("accuracy", Output.Percent(evaluation.Accuracy)),
                ("log loss", Output.Number(evaluation.LogLoss)),
                ("ROC AUC", evaluation.RocAuc is double a ? Output.Number(a) : "- (two classes only)"),
                ("network", string.Join(" -> ", classifier.Layers.Select(l => $"{l.Units} {l.Activation}").Prepend($"{classifier.FeatureCount} inputs"))),
            };
            if (plotPath is not null)
            {
                summary.Add(("plot", plotPath));
            }

            Tables.Print(output, plain, summary);
            Tables.Grid(
                output,
                plain,
                "Per class",
                ["class", "precision", "recall", "f1", "support"],
                evaluation.PerClass.Select(c => (IReadOnlyList<string>)
                [
                    c.Class, Output.Number(c.Precision, "F4"), Output.Number(c.Recall, "F4"), Output.Number(c.F1, "F4"),
                    c.Support.ToString(CultureInfo.InvariantCulture),
                ]).ToArray());
            Tables.Grid(
                output,
                plain,
                "Confusion matrix (rows: actual, columns: predicted)",
                evaluation.Classes.Prepend("actual \\ predicted").ToArray(),
                evaluation.ConfusionMatrix.Select((row, i) => (IReadOnlyList<string>)row
                    .Select(n => n.ToString(CultureInfo.InvariantCulture)).Prepend(evaluation.Classes[i]).ToArray()).ToArray());
            return ExitCode.Success;
        });
        return command;
    }
}
