using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>The gradient check of one layer.</summary>
/// <param name="Layer">0 for the first layer.</param>
/// <param name="RelativeDifference">||g - g~|| / (||g|| + ||g~||) over the layer's weights and biases.</param>
/// <param name="Parameters">The number of parameters compared.</param>
public sealed record LayerGradientCheck(int Layer, double RelativeDifference, int Parameters);

/// <summary>The outcome of <see cref="GradientCheck.Run"/>.</summary>
/// <param name="RelativeDifference">||g - g~|| / (||g|| + ||g~||) over every parameter.</param>
/// <param name="Passed">True when <paramref name="RelativeDifference"/> is below <see cref="GradientCheck.Threshold"/>.</param>
/// <param name="Layers">Per layer, input side first.</param>
/// <param name="Samples">The number of samples the costs were computed on.</param>
/// <param name="Epsilon">The step of the central differences.</param>
public sealed record GradientCheckResult(
    double RelativeDifference, bool Passed, IReadOnlyList<LayerGradientCheck> Layers, int Samples, double Epsilon);

/// <summary>Compares back-propagated gradients with central finite differences, (J(θ+ε) - J(θ-ε)) / 2ε.</summary>
public static class GradientCheck
{
    /// <summary>Gradients agree when the relative difference is below this.</summary>
    public const double Threshold = Core.GradientCheck.Threshold;

    /// <summary>The most samples a check uses (a seeded subset of larger data): every parameter costs two passes.</summary>
    public const int MaxSamples = 256;

    /// <summary>
    /// Checks the gradients of the network that <see cref="Classifier.Train(double[,], int[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> would start from (same options, seed
    /// and standardisation) on the data, or on a seeded subset of <see cref="MaxSamples"/> samples. The cost is the
    /// one training minimises, including the penalty of <see cref="TrainingOptions.L2"/>.
    /// </summary>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">One class index per sample, 0..K-1.</param>
    /// <param name="options">The architecture, seed and L2 penalty; null for the defaults.</param>
    /// <param name="epsilon">The finite-difference step.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad data or options (an <see cref="ArgumentOutOfRangeException"/> for a value
    /// out of range, <paramref name="epsilon"/> included); the message names the argument or the options property.</exception>
    public static GradientCheckResult Run(
        double[,] features, int[] labels, TrainingOptions? options = null, double epsilon = 1e-6)
    {
        Guard.Positive(epsilon, nameof(epsilon));
        var prepared = Classifier.Prepare(features, labels, options ?? new TrainingOptions());
        var x = prepared.Features;
        var y = prepared.Labels;
        if (y.Length > MaxSamples)
        {
            var rows = Core.Preprocessing.Permutation((options?.Seed ?? 0) + 1, y.Length).Take(MaxSamples).Order().ToArray();
            x = Core.Preprocessing.TakeRows(rows, x);
            y = rows.Select(i => y[i]).ToArray();
        }

        // The objective training minimises: cross-entropy plus (L2 / 2) ||W||^2.
        var report = Core.GradientCheck.CheckWithL2((options ?? new TrainingOptions()).L2, epsilon, prepared.Network, x, y);
        var layers = report.Layers.Select(l => new LayerGradientCheck(l.Layer, l.RelativeDifference, l.Parameters)).ToArray();
        return new GradientCheckResult(
            report.RelativeDifference, report.RelativeDifference < Threshold, Array.AsReadOnly(layers), y.Length, epsilon);
    }
}
