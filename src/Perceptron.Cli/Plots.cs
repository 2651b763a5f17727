namespace Perceptron.Cli;

/// <summary>PNG pictures with ScottPlot: the learning curve and the ROC curve. Written atomically.</summary>
internal static class Plots
{
    public const int Width = 900;
    public const int Height = 560;

    /// <summary>Checks a --plot path before any work is done, so a typo does not cost a training run.</summary>
    public static void CheckPath(string? path, string option, params (string Option, string? Path)[] others)
    {
        if (path is null)
        {
            return;
        }

        // A device such as /dev/null has no extension to choose by, and takes the PNG in place.
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !AtomicFile.IsSpecialFile(path))
        {
            throw new UsageException($"{option} '{path}' is not valid; expected a file name ending in .png");
        }

        CommonOptions.CheckOutputPath(path, option, others);
    }

    /// <summary>The recorded costs at their epochs (every k-th epoch of a long run), and the validation costs when there are.</summary>
    public static void LearningCurve(
        string path, IReadOnlyList<double> costs, IReadOnlyList<double> validationCosts, IReadOnlyList<int> costEpochs)
    {
        var plot = new ScottPlot.Plot();
        var epochs = costEpochs.Select(e => (double)e).ToArray();
        var training = plot.Add.ScatterLine(epochs, costs.ToArray());
        training.LegendText = "training cost";
        training.LineWidth = 2;
        if (validationCosts.Count > 0)
        {
            var validation = plot.Add.ScatterLine(epochs[..validationCosts.Count], validationCosts.ToArray());
            validation.LegendText = "validation cost";
            validation.LineWidth = 2;
        }

        plot.Title("Learning curve");
        plot.XLabel("epoch");
        plot.YLabel("cost (cross-entropy + L2 penalty)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        Save(plot, path);
    }

    /// <summary>The ROC curve of a binary model, with the chance diagonal and the AUC in the legend.</summary>
    public static void Roc(string path, IReadOnlyList<RocPoint> curve, double auc, string positiveClass)
    {
        var plot = new ScottPlot.Plot();
        var roc = plot.Add.ScatterLine(curve.Select(p => p.FalsePositiveRate).ToArray(), curve.Select(p => p.TruePositiveRate).ToArray());
        roc.LegendText = $"ROC (AUC = {auc:F4})";
        roc.LineWidth = 2;
        var chance = plot.Add.ScatterLine(new[] { 0.0, 1.0 }, new[] { 0.0, 1.0 });
        chance.LegendText = "chance";
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Title($"ROC curve (positive class '{positiveClass}')");
        plot.XLabel("false positive rate");
        plot.YLabel("true positive rate");
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        Save(plot, path);
    }

    private static void Save(ScottPlot.Plot plot, string path) =>
        Output.ReplaceAtomically(path, ".png", "the picture", temporary => plot.SavePng(temporary, Width, Height));
}
