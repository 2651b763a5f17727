namespace Perceptron;

/// <summary>
/// What a training run or a gradient check will need, from the layer sizes, the batch and the data (the core's
/// estimates): a caller compares them with what the machine can give before allocating anything.
/// </summary>
public static class Resources
{
    /// <summary>The most floating-point operations <see cref="GradientCheck.Run"/> is expected to take on (about a minute).</summary>
    public const double MaxGradientCheckOperations = Core.Resources.MaxGradientCheckOperations;

    /// <summary>The number of weights and biases of a network with these sizes (a double: it may exceed <see cref="int.MaxValue"/>).</summary>
    /// <param name="features">Input features.</param>
    /// <param name="hiddenLayers">Hidden layer widths.</param>
    /// <param name="classes">Classes (2 gives one sigmoid output).</param>
    public static double ParameterCount(int features, IReadOnlyList<int> hiddenLayers, int classes)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        return Core.Resources.ParameterCount(features, [.. hiddenLayers], classes);
    }

    /// <summary>An upper estimate of the bytes training holds at its peak.</summary>
    /// <param name="features">Input features.</param>
    /// <param name="hiddenLayers">Hidden layer widths.</param>
    /// <param name="classes">Classes.</param>
    /// <param name="samples">Training samples.</param>
    /// <param name="batchSize">The batch size; null for full batch.</param>
    public static double TrainingBytes(int features, IReadOnlyList<int> hiddenLayers, int classes, int samples, int? batchSize)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        return Core.Resources.TrainingBytes(features, [.. hiddenLayers], classes, samples, Interop.Option(batchSize));
    }

    /// <summary>The floating-point operations of a gradient check on a network of these sizes.</summary>
    /// <param name="features">Input features.</param>
    /// <param name="hiddenLayers">Hidden layer widths.</param>
    /// <param name="classes">Classes.</param>
    /// <param name="samples">Samples the check runs on.</param>
    public static double GradientCheckOperations(int features, IReadOnlyList<int> hiddenLayers, int classes, int samples)
    {
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        return Core.Resources.GradientCheckOperations(features, [.. hiddenLayers], classes, samples);
    }
}
