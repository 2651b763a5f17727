using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>Argument checks shared by the facade: each failure names the argument and what was expected.</summary>
internal static class Guard
{
    public static void Features(double[,] features, string name, int? expectedColumns = null)
    {
        ArgumentNullException.ThrowIfNull(features, name);
        int rows = features.GetLength(0), columns = features.GetLength(1);
        if (rows == 0)
        {
            throw new ArgumentException($"{name} has 0 samples (rows); expected at least 1.", name);
        }

        if (columns == 0)
        {
            throw new ArgumentException($"{name} has 0 features (columns); expected at least 1.", name);
        }

        if (expectedColumns is int expected && columns != expected)
        {
            throw new ArgumentException($"{name} has {columns} features (columns); expected {expected}.", name);
        }

        var bad = Core.Buffers.firstNonFinite(features);
        if (bad >= 0)
        {
            int i = bad / columns, j = bad % columns;
            throw new ArgumentException($"{name}[{i}, {j}] is {features[i, j]}; expected a finite number.", name);
        }
    }

    public static void Labels(int[] labels, string name, int samples, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(labels, name);
        if (labels.Length != samples)
        {
            throw new ArgumentException(
                $"{name} has {labels.Length} values for {samples} samples; expected one label per sample.", name);
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || (classes is int k && labels[i] >= k))
            {
                var expected = classes is int c ? $"a class from 0 to {c - 1}" : "a class index >= 0";
                throw new ArgumentException($"{name}[{i}] is {labels[i]}; expected {expected}.", name);
            }
        }
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a whole number > 0.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a finite number > 0.");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a finite number >= 0.");
        }
    }

    public static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a number in [0, 1).");
        }
    }
}
