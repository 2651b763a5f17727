using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>
/// One immutable state of training: the model after <see cref="Step"/> updates. Produced lazily by
/// <see cref="Classifier.TrainingStates"/>, for people who study training step by step.
/// </summary>
public sealed class TrainingState
{
    private readonly Core.TrainingState state;
    private readonly Classifier.Prepared prepared;
    private readonly TrainingOptions options;

    internal TrainingState(Core.TrainingState state, Classifier.Prepared prepared, TrainingOptions options)
    {
        this.state = state;
        this.prepared = prepared;
        this.options = options;
        Layers = Array.AsReadOnly(Interop.Layers(state.Network).Select(l => new LayerInfo(l)).ToArray());
    }

    /// <summary>The number of updates applied so far.</summary>
    public int Step => state.Step;

    /// <summary>The number of completed epochs.</summary>
    public int Epoch => state.Epoch;

    /// <summary>The cost of the batch of the last update, computed before it, the L2 penalty included (see <see cref="TrainingOptions.L2"/>).</summary>
    public double Cost => state.Cost;

    /// <summary>The layers after this step.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>The gradient of the cost with respect to each layer's weights in the last update (units x inputs copies).</summary>
    public IReadOnlyList<double[,]> WeightGradients() =>
        Interop.Gradients(state).Select(g => (double[,])g.Weights.Clone()).ToArray();

    /// <summary>The model as it is after this step.</summary>
    public Classifier ToClassifier() =>
        new(Interop.AtState(options, prepared.Optimizer, prepared.Data, state), options);
}

/// <summary>The step-by-step view of training.</summary>
public sealed partial class Classifier
{
    /// <summary>
    /// The states of training, one per update (batch), lazily: the same steps <see cref="Train(double[,], int[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> takes, for
    /// <paramref name="options"/>' epochs. Enumerating twice gives the same states; each is immutable.
    /// </summary>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">One class index per sample, 0..K-1.</param>
    /// <param name="options">Architecture, optimizer and schedule; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad data or options (an <see cref="ArgumentOutOfRangeException"/> for a value
    /// out of range); the message names the argument or the options property. Thrown when called, not when enumerated.</exception>
    public static IEnumerable<TrainingState> TrainingStates(double[,] features, int[] labels, TrainingOptions? options = null)
    {
        options ??= new TrainingOptions();
        var prepared = Prepare(features, labels, options);
        return Interop.States(options, prepared.Optimizer, prepared.Data)
            .Select(state => new TrainingState(state, prepared, options));
    }
}
