// A data set loaded from a CSV file: numeric features as a samples x features matrix, and the
// raw label strings. It remembers where each row came from, so later checks (a label the model
// does not know, a column the model does not expect) can point at the file, line and column.

using System.Globalization;

namespace Perceptron;

/// <summary>
/// A loaded CSV data set: one row per sample, numeric feature columns and an optional label column.
/// </summary>
/// <remarks>
/// Load one with <see cref="Load"/> (a file) or <see cref="Read"/> (any <see cref="TextReader"/>).
/// Every problem with the file's content is a <see cref="DataFormatException"/> whose message names the
/// file, the line and the column; a file that is missing or unreadable is an <see cref="IOException"/>.
/// See docs/data-files.md for the rules.
/// </remarks>
public sealed class Table
{
    private readonly int[] _featureColumns;
    private readonly int? _labelColumn;
    private readonly int[] _rowLines;
    private readonly IReadOnlyList<string>? _labels;
    private readonly string? _labelName;

    internal Table(
        string source,
        string[] featureNames,
        int[] featureColumns,
        string? labelName,
        int? labelColumn,
        double[,] features,
        IReadOnlyList<string>? labels,
        int[] rowLines)
    {
        Source = source;
        FeatureNames = Array.AsReadOnly(featureNames);
        _featureColumns = featureColumns;
        _labelName = labelName;
        _labelColumn = labelColumn;
        Features = features;
        _labels = labels;
        _rowLines = rowLines;
    }

    /// <summary>The file name (or the source name given to <see cref="Read"/>), used in messages.</summary>
    public string Source { get; }

    /// <summary>The names of the feature columns, in file order (the label column left out).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Whether the table has a label column: always with <see cref="LabelColumn.Required"/> (the default),
    /// when the file has it with <see cref="LabelColumn.Optional"/>, never with <see cref="LabelColumn.None"/>.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>The name of the label column.</summary>
    /// <exception cref="InvalidOperationException">The table has no label column (see <see cref="HasLabels"/>).</exception>
    public string LabelName => _labelName ?? throw NoLabels();

    /// <summary>The feature values, samples x features (rows are samples). Every value is finite.</summary>
    public double[,] Features { get; }

    /// <summary>The label of each row as written in the file.</summary>
    /// <exception cref="InvalidOperationException">The table has no label column (see <see cref="HasLabels"/>).</exception>
    public IReadOnlyList<string> Labels => _labels ?? throw NoLabels();

    /// <summary>The number of samples (data rows).</summary>
    public int Rows => Features.GetLength(0);

    /// <summary>Loads a CSV file with a header row.</summary>
    /// <param name="path">The CSV file; messages name it as given.</param>
    /// <param name="labelColumn">The name of the label column; null means the last column (with <see cref="LabelColumn.Required"/>).</param>
    /// <param name="mode">Whether the label column must, may or must not be there.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="labelColumn"/> and <paramref name="mode"/> do not fit together.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names it.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read (a directory, no permission, ...); the message names it.</exception>
    /// <exception cref="DataFormatException">The file is not a valid data file; the message names the file, line and column.</exception>
    public static Table Load(string path, string? labelColumn = null, LabelColumn mode = LabelColumn.Required)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckLabelArguments(labelColumn, mode);
        using var stream = FileErrors.OpenRead(path, "a CSV file");
        using var reader = new StreamReader(new StrictUtf8Stream(stream, path), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return CsvTableReader.Read(reader, path, labelColumn, mode);
    }

    /// <summary>Reads CSV text with a header row, e.g. from an embedded resource or a string in a test.</summary>
    /// <param name="reader">The CSV text; it is read to the end but not disposed.</param>
    /// <param name="sourceName">The name that messages give for the source, e.g. a file name.</param>
    /// <param name="labelColumn">The name of the label column; null means the last column (with <see cref="LabelColumn.Required"/>).</param>
    /// <param name="mode">Whether the label column must, may or must not be there.</param>
    /// <exception cref="DataFormatException">The text is not a valid data file.</exception>
    /// <exception cref="ArgumentException"><paramref name="labelColumn"/> and <paramref name="mode"/> do not fit together.</exception>
    public static Table Read(TextReader reader, string sourceName, string? labelColumn = null, LabelColumn mode = LabelColumn.Required)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        CheckLabelArguments(labelColumn, mode);
        return CsvTableReader.Read(reader, sourceName, labelColumn, mode);
    }

    /// <summary>
    /// The distinct classes among <paramref name="labels"/>, sorted: in numeric order when every label
    /// is a number ("2" before "10"), otherwise in ordinal string order.
    /// </summary>
    public static IReadOnlyList<string> Classes(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = new HashSet<string>(labels, StringComparer.Ordinal).ToArray();
        var values = new double[distinct.Length];
        var numeric = true;
        for (var i = 0; i < distinct.Length && numeric; i++)
        {
            numeric = double.TryParse(distinct[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])
                && double.IsFinite(values[i]);
        }

        // "1" and "1.0" are different labels of one value: the ordinal tie-break keeps the order total.
        var sorted = numeric
            ? distinct.Zip(values).OrderBy(pair => pair.Second).ThenBy(pair => pair.First, StringComparer.Ordinal).Select(pair => pair.First).ToArray()
            : distinct.Order(StringComparer.Ordinal).ToArray();
        return Array.AsReadOnly(sorted);
    }

    /// <summary>
    /// The index in <paramref name="classes"/> of each label. A label that is not a class is reported
    /// at line row + 2 (the header is line 1); prefer the instance <see cref="EncodeLabels(IReadOnlyList{string})"/>,
    /// which knows the file and the real line.
    /// </summary>
    /// <exception cref="DataFormatException">A label is not one of <paramref name="classes"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="classes"/> holds a class twice.</exception>
    public static int[] EncodeLabels(IReadOnlyList<string> labels, IReadOnlyList<string> classes) =>
        Encode(labels, classes, row => (null, row + 2, null));

    /// <summary>The index in <paramref name="classes"/> of each label of this table.</summary>
    /// <exception cref="DataFormatException">A label is not one of <paramref name="classes"/>; the message names its file, line and column.</exception>
    /// <exception cref="InvalidOperationException">The table has no labels.</exception>
    /// <exception cref="ArgumentException"><paramref name="classes"/> holds a class twice.</exception>
    public int[] EncodeLabels(IReadOnlyList<string> classes)
    {
        var labels = _labels ?? throw new InvalidOperationException($"{Source} has no label column, so it has no labels to encode.");
        return Encode(labels, classes, row => (Source, _rowLines[row], _labelColumn));
    }

    /// <summary>
    /// Checks that the feature columns are <paramref name="expectedNames"/>, in that order, as a model
    /// trained on other data needs them.
    /// </summary>
    /// <exception cref="DataFormatException">They differ; the message names the first difference.</exception>
    public void CheckFeatures(IReadOnlyList<string> expectedNames) => CheckFeatures(expectedNames, "the model");

    /// <summary>
    /// Checks that the feature columns are <paramref name="expectedNames"/>, in that order; messages say
    /// what expects them (<paramref name="expectedBy"/>, e.g. "the training data").
    /// </summary>
    /// <exception cref="DataFormatException">They differ; the message names the first difference.</exception>
    public void CheckFeatures(IReadOnlyList<string> expectedNames, string expectedBy)
    {
        ArgumentNullException.ThrowIfNull(expectedNames);
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedBy);
        var common = Math.Min(FeatureNames.Count, expectedNames.Count);
        for (var i = 0; i < common; i++)
        {
            if (!string.Equals(FeatureNames[i], expectedNames[i], StringComparison.Ordinal))
            {
                var column = _featureColumns[i];
                throw new DataFormatException(
                    Source, 1, column,
                    $"column {column} is {MessageText.Quote(FeatureNames[i])}; {expectedBy} expects {MessageText.Quote(expectedNames[i])}");
            }
        }

        if (FeatureNames.Count > expectedNames.Count)
        {
            var column = _featureColumns[common];
            throw new DataFormatException(
                Source, 1, column,
                $"column {column} is {MessageText.Quote(FeatureNames[common])}; {expectedBy} expects only "
                + $"{MessageText.Count(expectedNames.Count, "feature column", "feature columns")}");
        }

        if (FeatureNames.Count < expectedNames.Count)
        {
            throw new DataFormatException(
                Source, 1, null,
                $"the file has {MessageText.Count(FeatureNames.Count, "feature column", "feature columns")}; "
                + $"{expectedBy} expects {expectedNames.Count}, the first missing one is {MessageText.Quote(expectedNames[common])}");
        }
    }

    /// <summary>
    /// Splits off the feature column <paramref name="column"/> as sample weights (for
    /// <see cref="Classifier.Train(double[,], int[], double[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>):
    /// the table without that column, and its values, one per row.
    /// </summary>
    /// <param name="column">The name of a feature column.</param>
    /// <exception cref="ArgumentNullException"><paramref name="column"/> is null.</exception>
    /// <exception cref="DataFormatException">No feature column has that name, a weight is negative (the message names the
    /// file, line and column), or every weight is 0.</exception>
    public (Table Table, double[] Weights) SplitWeights(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        var index = -1;
        for (var j = 0; j < FeatureNames.Count && index < 0; j++)
        {
            index = string.Equals(FeatureNames[j], column, StringComparison.Ordinal) ? j : -1;
        }

        if (index < 0)
        {
            var what = string.Equals(_labelName, column, StringComparison.Ordinal)
                ? $"{MessageText.Quote(column)} is the label column"
                : $"there is no column {MessageText.Quote(column)}";
            throw new DataFormatException(
                Source, 1, null, $"{what}; expected a feature column of sample weights, one of {MessageText.List(FeatureNames)}");
        }

        var rows = Rows;
        var fileColumn = _featureColumns[index];
        if (FeatureNames.Count == 1)
        {
            throw new DataFormatException(
                Source, 1, fileColumn, $"column {MessageText.Quote(column)} is the only feature column; expected features besides the sample weights");
        }

        var weights = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            weights[i] = Features[i, index];
        }

        if (Interop.FirstInvalidWeight(weights) is int bad)
        {
            throw new DataFormatException(
                Source, _rowLines[bad], fileColumn,
                $"sample weight {MessageText.Number(weights[bad])} in column {MessageText.Quote(column)}; expected {Interop.WeightExpected}");
        }

        if (rows > 0 && weights.All(w => w == 0))
        {
            throw new DataFormatException(
                Source, null, fileColumn,
                $"every sample weight in column {MessageText.Quote(column)} is 0; expected at least one above 0");
        }

        var features = new double[rows, FeatureNames.Count - 1];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < FeatureNames.Count - 1; j++)
            {
                features[i, j] = Features[i, j < index ? j : j + 1];
            }
        }

        var table = new Table(
            Source,
            FeatureNames.Where((_, j) => j != index).ToArray(),
            _featureColumns.Where((_, j) => j != index).ToArray(),
            _labelName,
            _labelColumn,
            features,
            _labels,
            _rowLines);
        return (table, weights);
    }

    private InvalidOperationException NoLabels() =>
        new($"{Source} has no label column; HasLabels tells whether a table has one (LabelColumn.Optional or None).");

    private static int[] Encode(
        IReadOnlyList<string> labels,
        IReadOnlyList<string> classes,
        Func<int, (string? File, int Line, int? Column)> locate)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        var index = new Dictionary<string, int>(classes.Count, StringComparer.Ordinal);
        for (var i = 0; i < classes.Count; i++)
        {
            if (!index.TryAdd(classes[i], i))
            {
                throw new ArgumentException($"The class {MessageText.Quote(classes[i])} appears twice; expected distinct classes.", nameof(classes));
            }
        }

        var encoded = new int[labels.Count];
        for (var row = 0; row < labels.Count; row++)
        {
            if (!index.TryGetValue(labels[row], out encoded[row]))
            {
                var (file, line, column) = locate(row);
                throw new DataFormatException(
                    file, line, column,
                    $"label {MessageText.Quote(labels[row])} is not one of the classes; expected one of {MessageText.List(classes)}");
            }
        }

        return encoded;
    }

    private static void CheckLabelArguments(string? labelColumn, LabelColumn mode)
    {
        switch (mode)
        {
            case LabelColumn.Required:
                break;
            case LabelColumn.Optional when labelColumn is null:
                throw new ArgumentException("LabelColumn.Optional needs the name of the label column to look for.", nameof(labelColumn));
            case LabelColumn.Optional:
                break;
            case LabelColumn.None when labelColumn is not null:
                throw new ArgumentException($"LabelColumn.None reads no label column, but the label column {MessageText.Quote(labelColumn)} was named.", nameof(labelColumn));
            case LabelColumn.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected Required, Optional or None.");
        }
    }
}
