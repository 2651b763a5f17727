using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>
/// A feature's permutation importance: the mean and (population) standard deviation of the drop in
/// accuracy when its column is shuffled.
/// </summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="Mean">The mean drop in accuracy; near 0 for a feature the model does not use.</param>
/// <param name="Std">The standard deviation of the drops over the shuffles.</param>
public sealed record FeatureImportance(string Feature, double Mean, double Std);

public sealed partial class Classifier
{
    /// <summary>
    /// Permutation importance on labelled data: for each feature, in input order, the drop in accuracy when
    /// that column is shuffled, over <paramref name="repeats"/> seeded shuffles. Same seed, same result.
    /// </summary>
    /// <param name="features">Samples x features, the model's feature columns.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="repeats">Shuffles per feature, at least 1.</param>
    /// <param name="seed">Seeds the shuffles.</param>
    /// <exception cref="ArgumentException">Bad shape, non-finite features, labels out of range, or <paramref name="repeats"/> below 1.</exception>
    public IReadOnlyList<FeatureImportance> PermutationImportance(double[,] features, int[] labels, int repeats = 5, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        return Array.AsReadOnly(Array.ConvertAll(
            Core.Importance.Permutation(Model, features, labels, repeats, seed),
            i => new FeatureImportance(i.Feature, i.Mean, i.Std)));
    }
}
