namespace Perceptron;

/// <summary>
/// Weights per class, multiplied into the sample weights of the samples of each class (see
/// <see cref="TrainingOptions.ClassWeights"/>): <see cref="None"/> (the default), <see cref="Balanced"/>, or
/// <see cref="Explicit"/> weights, one per class index. Immutable; equal when of the same kind with the same weights.
/// </summary>
public sealed class ClassWeights : IEquatable<ClassWeights>
{
    private readonly double[]? weights;

    private ClassWeights(bool balanced, double[]? weights)
    {
        IsBalanced = balanced;
        this.weights = weights;
    }

    /// <summary>Every class weighs 1.</summary>
    public static ClassWeights None { get; } = new(false, null);

    /// <summary>
    /// n / (k · nᶜ) for a class with nᶜ of the n training samples, k the number of classes that occur
    /// (scikit-learn's <c>class_weight="balanced"</c>): each class then weighs as much in total. Counted on the
    /// training rows, after the validation split.
    /// </summary>
    public static ClassWeights Balanced { get; } = new(true, null);

    /// <summary>One weight per class index, in class order (their count is checked against the classes when training).</summary>
    /// <param name="weights">The weight of class 0, class 1, ..., each finite and &gt;= 0 (copied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException">A weight is negative, NaN or infinite (the message names it), or every weight is 0.</exception>
    public static ClassWeights Explicit(params double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var copy = (double[])weights.Clone();
        Core.SampleWeights.CheckClassWeights(nameof(weights), copy);
        return new(false, copy);
    }

    /// <summary>Explicit weights as a model file holds them, before ModelValidation checks them.</summary>
    internal static ClassWeights Unchecked(double[] weights) => new(false, weights);

    /// <summary>Whether these are the <see cref="Balanced"/> weights.</summary>
    public bool IsBalanced { get; }

    /// <summary>The <see cref="Explicit"/> weights, one per class index; null for <see cref="None"/> and <see cref="Balanced"/>.</summary>
    public IReadOnlyList<double>? Weights => weights is null ? null : Array.AsReadOnly(weights);

    /// <inheritdoc />
    public bool Equals(ClassWeights? other) =>
        other is not null
        && IsBalanced == other.IsBalanced
        && (weights is null ? other.weights is null : other.weights is not null && weights.AsSpan().SequenceEqual(other.weights));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ClassWeights);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(IsBalanced, weights is null ? 0 : ValueEquality.Hash(weights));

    /// <summary>"none", "balanced", or the explicit weights separated by commas, as the console host's --class-weight takes them.</summary>
    public override string ToString() =>
        IsBalanced ? "balanced" : weights is null ? "none" : string.Join(",", weights.Select(MessageText.Number));
}
