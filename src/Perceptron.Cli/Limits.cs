using System.Globalization;

namespace Perceptron.Cli;

/// <summary>
/// Refuses runs that cannot fit before anything is allocated: the facade's (the core's) estimate of memory or work
/// against what this machine can give, in one line that names the option and the estimate.
/// </summary>
internal static class Limits
{
    /// <summary>The share of the memory the runtime may use that a run may plan for: the rest is the runtime's own.</summary>
    private const double UsableShare = 0.8;

    /// <summary>Memory this process may use: the machine's, or the container's limit when there is one.</summary>
    public static double AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public static void CheckTraining(int features, IReadOnlyList<int> hidden, int classes, int samples, int? batchSize, bool warmStart)
    {
        var bytes = Resources.TrainingBytes(features, hidden, classes, samples, batchSize);
        if (bytes > UsableShare * AvailableBytes)
        {
            throw new UsageException(
                $"{Culprit(hidden, warmStart)} needs about {Size(bytes)} of memory to train on {samples} samples of {features} features "
                + $"({Resources.ParameterCount(features, hidden, classes):G3} parameters{(batchSize is int b ? $", --batch-size {b}" : ", full batch")}); "
                + $"this machine can give {Size(AvailableBytes)}; use smaller --hidden layers, a smaller --batch-size or less data");
        }
    }

    public static void CheckGradientCheck(int features, IReadOnlyList<int> hidden, int classes, int samples)
    {
        var bytes = Resources.TrainingBytes(features, hidden, classes, samples, null);
        if (bytes > UsableShare * AvailableBytes)
        {
            throw new UsageException(
                $"{Culprit(hidden, false)} needs about {Size(bytes)} of memory for a gradient check on {samples} samples; "
                + $"this machine can give {Size(AvailableBytes)}; use smaller --hidden layers or less data");
        }

        var operations = Resources.GradientCheckOperations(features, hidden, classes, samples);
        if (operations > Resources.MaxGradientCheckOperations)
        {
            throw new UsageException(
                $"{Culprit(hidden, false)} makes a gradient check of {Resources.ParameterCount(features, hidden, classes):G3} parameters on {samples} samples, "
                + $"about {operations:G2} operations; expected at most {Resources.MaxGradientCheckOperations:G2} (about a minute): "
                + "use smaller --hidden layers or fewer samples");
        }
    }

    private static string Culprit(IReadOnlyList<int> hidden, bool warmStart) =>
        hidden.Count == 0 ? "--data" : warmStart ? "the --warm-start model" : $"--hidden {string.Join(',', hidden)}";

    private static string Size(double bytes) =>
        bytes >= 1 << 30
            ? (bytes / (1 << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GB"
            : (bytes / (1 << 20)).ToString("F0", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>Prediction on a file's rows: a row whose forward pass overflows, or a value that cannot be standardised, is named with the file.</summary>
internal static class Rows
{
    /// <summary>A file's data rows, counted from 1 after the header, as the library's messages name them.</summary>
    public static readonly RowNames DataRows = new() { Rows = "data row", First = 1 };

    public static T Overflowing<T>(Table table, Func<T> predict)
    {
        try
        {
            return predict();
        }
        catch (OverflowException e)
        {
            throw new UsageException($"{table.Source}: {e.Message}");
        }
        catch (ArgumentException e) when (e.ParamName == "features" && !e.Message.StartsWith(table.Source, StringComparison.Ordinal))
        {
            // The library names the column and the row; the user needs the file too.
            throw new UsageException($"{table.Source}: {Errors.Describe(e)}");
        }
    }
}
