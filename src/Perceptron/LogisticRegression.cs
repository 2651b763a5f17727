using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>The perceptron's parameters: one weight per feature and a bias. Immutable.</summary>
public sealed class LogisticParameters
{
    private readonly double[] w;

    /// <summary>Creates parameters from weights (copied) and a bias.</summary>
    /// <param name="w">One weight per feature.</param>
    /// <param name="b">The bias.</param>
    /// <exception cref="ArgumentException">Null or empty weights, or a weight or bias that is not finite.</exception>
    public LogisticParameters(IEnumerable<double> w, double b)
    {
        ArgumentNullException.ThrowIfNull(w);
        this.w = w.ToArray();
        Core.LogisticRegression.CheckParameters(nameof(w), nameof(b), new Core.LogisticParameters(this.w, b));
        B = b;
        W = Array.AsReadOnly(this.w);
    }

    /// <summary>One weight per feature.</summary>
    public IReadOnlyList<double> W { get; }

    /// <summary>The bias.</summary>
    public double B { get; }

    internal Core.LogisticParameters ToCore() => new((double[])w.Clone(), B);

    internal static LogisticParameters FromCore(Core.LogisticParameters p) => new(p.W, p.B);

    /// <inheritdoc />
    public override string ToString() => $"W = [{string.Join(", ", W)}], B = {B}";
}

/// <summary>The gradients of the cost: dCost/dW and dCost/dB.</summary>
/// <param name="Dw">One value per feature.</param>
/// <param name="Db">dCost/dB.</param>
public sealed record LogisticGradients(IReadOnlyList<double> Dw, double Db)
{
    internal static LogisticGradients FromCore(Core.LogisticGradients g) => new(Array.AsReadOnly(g.Dw), g.Db);
}

/// <summary>What <see cref="LogisticRegression.Propagate"/> returns.</summary>
/// <param name="Gradients">dw and db.</param>
/// <param name="Cost">The mean cross-entropy cost.</param>
public sealed record Propagation(LogisticGradients Gradients, double Cost);

/// <summary>What <see cref="LogisticRegression.Optimize"/> returns.</summary>
/// <param name="Parameters">The parameters after the last update.</param>
/// <param name="Gradients">The gradients computed in the last iteration.</param>
/// <param name="Costs">The cost at iterations 0, 100, 200, ...</param>
public sealed record Optimization(LogisticParameters Parameters, LogisticGradients Gradients, IReadOnlyList<double> Costs);

/// <summary>What <see cref="LogisticRegression.Model"/> returns.</summary>
/// <param name="Parameters">The trained parameters.</param>
/// <param name="Costs">The cost at iterations 0, 100, 200, ...</param>
/// <param name="TrainAccuracy">Fraction of training samples predicted right, in [0, 1].</param>
/// <param name="TestAccuracy">Fraction of test samples predicted right, in [0, 1].</param>
public sealed record LogisticModel(
    LogisticParameters Parameters, IReadOnlyList<double> Costs, double TrainAccuracy, double TestAccuracy);

/// <summary>
/// The seed perceptron (logistic regression, as in the deep-learning course) for C#.
/// Samples are rows: <c>features</c> is samples x features; labels are 0 or 1.
/// It runs on the same functional core as <see cref="Classifier"/> (a network with no hidden layer).
/// </summary>
public static class LogisticRegression
{
    /// <summary>σ(z) = 1 / (1 + e^-z), without overflow for any finite z.</summary>
    public static double Sigmoid(double z) => Core.LogisticRegression.Sigmoid(z);

    /// <summary>Zero weights (one per feature) and a zero bias: the seed's starting point.</summary>
    /// <param name="dimension">The number of features, at least 1.</param>
    public static LogisticParameters InitializeWithZeros(int dimension)
    {
        Guard.Positive(dimension, nameof(dimension));
        return new LogisticParameters(new double[dimension], 0.0);
    }

    /// <summary>Forward pass, cross-entropy cost and its gradients.</summary>
    /// <param name="parameters">W (one per feature) and B.</param>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">0 or 1, one per sample.</param>
    public static Propagation Propagate(LogisticParameters parameters, double[,] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (gradients, cost) = Interop.Pair(Core.LogisticRegression.Propagate(parameters.ToCore(), features, labels));
        return new Propagation(LogisticGradients.FromCore(gradients), cost);
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> full-batch gradient-descent steps; records the cost at
    /// iterations 0, 100, 200, ... (each before its update).
    /// </summary>
    public static Optimization Optimize(
        LogisticParameters parameters, double[,] features, int[] labels, int iterations, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Guard.Positive(iterations, nameof(iterations));
        Guard.Positive(learningRate, nameof(learningRate));
        var result = Core.LogisticRegression.Optimize(parameters.ToCore(), features, labels, iterations, learningRate);
        return new Optimization(
            LogisticParameters.FromCore(result.Parameters),
            LogisticGradients.FromCore(result.Gradients),
            Interop.List(result.Costs));
    }

    /// <summary>The predicted label of each sample: 1 when σ(w·x + b) &gt; 0.5, else 0.</summary>
    public static int[] Predict(LogisticParameters parameters, double[,] features)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return Core.LogisticRegression.Predict(parameters.ToCore(), features);
    }

    /// <summary>The seed's model: zero initialisation, gradient descent, then train and test accuracy.</summary>
    public static LogisticModel Model(
        double[,] trainFeatures,
        int[] trainLabels,
        double[,] testFeatures,
        int[] testLabels,
        int iterations = 2000,
        double learningRate = 0.5)
    {
        Guard.Positive(iterations, nameof(iterations));
        Guard.Positive(learningRate, nameof(learningRate));
        var m = Core.LogisticRegression.Model(trainFeatures, trainLabels, testFeatures, testLabels, iterations, learningRate);
        return new LogisticModel(
            LogisticParameters.FromCore(m.Parameters), Interop.List(m.Costs), m.TrainAccuracy, m.TestAccuracy);
    }
}
