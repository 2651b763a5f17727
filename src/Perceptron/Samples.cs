using Core = Perceptron.Core;

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
                    $"rows[{i}] has {MessageText.Count(row.Length, "value", "values")}; expected {columns} like rows[0] (rows must not be ragged).",
                    nameof(rows));
            }

            for (var j = 0; j < columns; j++)
            {
                result[i, j] = row[j];
            }
        }

        return result;
    }

    /// <summary>A seeded split of sample indices into training and test rows (both in ascending order).</summary>
    /// <param name="samples">The number of samples.</param>
    /// <param name="testFraction">The fraction held out for testing, in [0, 1); 0 gives no test rows.</param>
    /// <param name="seed">Same seed, same split.</param>
    /// <param name="stratifyBy">
    /// One class index per sample to keep each class's share on both sides (as scikit-learn's <c>stratify=y</c>);
    /// null: a plain seeded split. Every class then needs at least 2 samples.
    /// </param>
    /// <exception cref="ArgumentException">
    /// A bad count or fraction; <paramref name="stratifyBy"/> of the wrong length, with a negative class, or with a
    /// class of a single sample.
    /// </exception>
    public static (int[] Train, int[] Test) Split(int samples, double testFraction, int seed, int[]? stratifyBy = null) =>
        Split(samples, testFraction, seed, stratifyBy, new SplitNames());

    /// <summary>
    /// <see cref="Split(int, double, int, int[])"/>, with messages that name the fraction, the labels and the data as
    /// <paramref name="names"/> says (a console host passes its option and the data's file).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A bad count or fraction, or a fraction that leaves no training samples (a stratified one: that leaves some class
    /// none); <paramref name="stratifyBy"/> of the wrong length, with a negative class, or with a class of a single sample.
    /// </exception>
    public static (int[] Train, int[] Test) Split(int samples, double testFraction, int seed, int[]? stratifyBy, SplitNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        Guard.Positive(samples, nameof(samples));
        if (stratifyBy is not null && stratifyBy.Length != samples)
        {
            throw new ArgumentException(
                $"{names.Labels} has {MessageText.Count(stratifyBy.Length, "label", "labels")}; expected one per sample ({samples}).",
                names.Labels);
        }

        return Interop.HoldOut(names, seed, testFraction, samples, stratifyBy);
    }

    /// <summary>The given rows of a samples x features array, in the given order, as a new array.</summary>
    public static double[,] TakeRows(double[,] features, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(rows);
        var count = features.GetLength(0);
        var indices = rows.ToArray();
        for (var i = 0; i < indices.Length; i++)
        {
            if (indices[i] < 0 || indices[i] >= count)
            {
                throw new ArgumentException($"rows[{i}] is {indices[i]}; expected a row from 0 to {count - 1}.", nameof(rows));
            }
        }

        return Core.Preprocessing.TakeRows(indices, features);
    }

    /// <summary>The given entries of an array, in the given order.</summary>
    public static T[] TakeRows<T>(T[] values, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Select(i => values[i]).ToArray();
    }
}
