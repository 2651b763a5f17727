using System.Reflection;

namespace Perceptron.Cli;

/// <summary>Loads the data a command works on: a CSV file, or the embedded breast-cancer data set.</summary>
internal static class DataSource
{
    /// <summary>The name messages give for the embedded data set.</summary>
    public const string EmbeddedName = "breast-cancer.csv (embedded)";

    public static Table Load(string? path, string? label, LabelColumn mode = LabelColumn.Required)
    {
        if (path is not null)
        {
            return Table.Load(path, label, mode);
        }

        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("breast-cancer.csv")
            ?? throw new InvalidOperationException("the embedded data set is missing from this build");
        using var reader = new StreamReader(stream);
        return Table.Read(reader, EmbeddedName, label, mode);
    }

    /// <summary>Class indices for a table's labels, with at least two classes and no more classes than samples.</summary>
    public static (int[] Labels, IReadOnlyList<string> Classes) Encode(Table table, IReadOnlyList<string>? knownClasses = null)
    {
        var labels = table.Labels ?? throw new UsageException($"{table.Source}: no label column; expected one to train on");
        var classes = knownClasses ?? Table.Classes(labels);
        if (knownClasses is null)
        {
            if (classes.Count < 2)
            {
                throw new DataFormatException(
                    table.Source, null, null,
                    $"the label column '{table.LabelName}' holds a single class ('{classes[0]}'); expected at least two classes");
            }

            if (classes.Count > 2 && classes.Count * 2 > table.Rows)
            {
                throw new DataFormatException(
                    table.Source, null, null,
                    $"the label column '{table.LabelName}' has {classes.Count} classes for {table.Rows} samples; "
                    + "expected at least two samples per class on average (is it the label column?)");
            }
        }

        return (table.EncodeLabels(classes), classes);
    }
}
