namespace Perceptron;

/// <summary>
/// How the library's messages name a row of the features: by default "features row 0" (counted from 0, as the
/// matrix is indexed); a host that read the rows from a file passes e.g. "data row" counted from 1.
/// </summary>
public sealed record RowNames
{
    /// <summary>The noun before the row's number, e.g. "features row" or "data row".</summary>
    public string Rows { get; init; } = "features row";

    /// <summary>The number of the first row: 0 for a matrix, 1 for a file's data rows.</summary>
    public int First { get; init; }
}
