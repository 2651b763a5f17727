// A read-only copy of a list that compares by its elements, so that records holding one (TrainingOptions)
// keep value equality while the caller's array can change freely.

using System.Collections;

namespace Perceptron;

/// <summary>An immutable copy of a list, equal to another such copy with the same elements in the same order.</summary>
internal sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] items;

    public ValueList(IEnumerable<T> items) => this.items = items.ToArray();

    public static ValueList<T> Empty { get; } = new([]);

    public int Count => items.Length;

    public T this[int index] => items[index];

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

    public bool Equals(ValueList<T>? other) =>
        other is not null && items.AsSpan().SequenceEqual(other.items, EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var item in items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", items)}]";
}

/// <summary>Element-by-element equality of the arrays that records of the model file hold.</summary>
internal static class ValueEquality
{
    public static bool Same(double[]? a, double[]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));

    public static bool Same(double[,]? a, double[,]? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null
            && a.GetLength(0) == b.GetLength(0) && a.GetLength(1) == b.GetLength(1)
            && a.Cast<double>().SequenceEqual(b.Cast<double>()));

    public static int Hash(Array? values)
    {
        var hash = default(HashCode);
        if (values is not null)
        {
            hash.Add(values.Length);
            foreach (double value in values)
            {
                hash.Add(value);
            }
        }

        return hash.ToHashCode();
    }
}
