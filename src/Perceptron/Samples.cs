namespace Perceptron;

/// <summary>Helpers for building the samples-as-rows arrays the library takes.</summary>
public static class Samples
{
    /// <summary>Copies jagged rows into a samples x features array; every row must have the same length.</summary>
    /// <param name="rows">One array of features per sample.</param>
    /// <exception cref="ArgumentException">Null, empty or ragged rows.</exception>
    public static double[,] FromRows(IReadOnlyList<double[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("rows is empty; expected at least one sample.", nameof(rows));
        }

        if (rows[0] is null)
        {
            throw new ArgumentException("rows[0] is null; expected an array of features.", nameof(rows));
        }

        var columns = rows[0].Length;
        var result = new double[rows.Count, columns];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"rows[{i}] is null; expected an array of features.", nameof(rows));
            if (row.Length != columns)
            {
                throw new ArgumentException(
                    $"rows[{i}] has {row.Length} values; expected {columns} like rows[0] (rows must not be ragged).",
                    nameof(rows));
            }

            for (var j = 0; j < columns; j++)
            {
                result[i, j] = row[j];
            }
        }

        return result;
    }
}
