// Whether a data file must, may or must not have a label column: training needs labels,
// prediction reads files with or without them, and some data sets have none at all.

namespace Perceptron;

/// <summary>How <see cref="Table.Load"/> treats the label column of a CSV file.</summary>
public enum LabelColumn
{
    /// <summary>The file must have the label column: the named one, or the last column when no name is given.</summary>
    Required,

    /// <summary>The named label column is read when the file has it; otherwise every column is a feature
    /// and <see cref="Table.HasLabels"/> is false. A name must be given (for prediction, the model's label).</summary>
    Optional,

    /// <summary>The file has no label column: every column is a feature. No name may be given.</summary>
    None,
}
