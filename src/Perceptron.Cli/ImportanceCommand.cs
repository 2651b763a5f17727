using System.CommandLine;
using System.Text.Json;

namespace Perceptron.Cli;

/// <summary>`perceptron importance`: permutation importance of each feature, as a table, JSON or a bar chart.</summary>
internal static class ImportanceCommand
{
    public static Command Build(TextWriter output)
    {
        var model = CommonOptions.Model("The model file to measure.", required: true);
        var data = CommonOptions.Data("Labelled CSV file with the model's feature columns and label column.");
        data.Required = true;
        var repeats = new Option<int>("--repeats")
        {
            Description = "Shuffles per feature; the importance is the mean drop in accuracy over them.",
            HelpName = "R",
            DefaultValueFactory = _ => 5,
            CustomParser = r => CommonOptions.ParseInt(r, "--repeats", 1),
        };
        var seed = CommonOptions.Seed();
        seed.Description = "Seeds the shuffles: same seed, same importances.";
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot")
        {
            Description = "Write a horizontal bar chart of the importances (with standard deviations) to this PNG file.",
            HelpName = "FILE.png",
        };
        var command = new Command("importance", "Permutation importance: the drop in accuracy when each feature is shuffled.")
        {
            model, data, repeats, seed, json, plot,
        };
        command.SetAction(parse =>
        {
            var plotPath = parse.GetValue(plot);
            Plots.CheckPath(plotPath, "--plot");
            var classifier = Classifier.Load(parse.GetValue(model)!);
            var table = DataSource.Load(parse.GetValue(data), classifier.LabelName);
            table.CheckFeatures(classifier.FeatureNames);
            var labels = table.EncodeLabels(classifier.Classes);
            var importances = classifier
                .PermutationImportance(table.Features, labels, parse.GetValue(repeats), parse.GetValue(seed))
                .OrderByDescending(i => i.Mean)
                .ToArray();
            if (plotPath is not null)
            {
                Chart(plotPath, importances);
            }

            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { metric = "accuracy", importances }, Output.Json));
                return ExitCode.Success;
            }

            var plain = Output.Plain(false);
            var summary = new List<(string, string)>
            {
                ("data", $"{table.Source} ({labels.Length} samples)"),
                ("metric", "drop in accuracy when the feature is shuffled"),
                ("repeats", parse.GetValue(repeats).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
            if (plotPath is not null)
            {
                summary.Add(("plot", plotPath));
            }

            Tables.Print(output, plain, summary);
            Tables.Grid(
                output,
                plain,
                "Permutation importance (most important first)",
                ["feature", "mean", "std"],
                importances.Select(i => (IReadOnlyList<string>)[i.Feature, Output.Number(i.Mean, "F4"), Output.Number(i.Std, "F4")]).ToArray());
            return ExitCode.Success;
        });
        return command;
    }

    /// <summary>Horizontal bars, most important at the top, each with its standard deviation as an error bar.</summary>
    private static void Chart(string path, IReadOnlyList<FeatureImportance> importances)
    {
        var plot = new ScottPlot.Plot();
        var count = importances.Count;
        var bars = importances.Select((importance, i) => new ScottPlot.Bar
        {
            Position = count - 1 - i,
            Value = importance.Mean,
            Error = importance.Std,
        }).ToArray();
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, count).Select(i => (double)(count - 1 - i)).ToArray(),
            importances.Select(i => i.Feature).ToArray());
        plot.Title("Permutation importance");
        plot.XLabel("drop in accuracy when shuffled");
        Output.ReplaceAtomically(
            path, ".png", "the picture", temporary => plot.SavePng(temporary, Plots.Width, Math.Max(Plots.Height, 40 + (24 * count))));
    }
}
