// The contents of a model file (docs/model-format.md), as plain immutable records: what the
// facade builds from a trained network before writing, and what it gets back from reading.
// Only ModelFile checks them (ModelFile.Validate), so building one never throws.

using System.Collections.ObjectModel;

namespace Perceptron;

/// <summary>A trained model as stored in a model file: the network, and what is needed to use it on new data.</summary>
/// <remarks>
/// Arrays inside the document are not copied: treat them as read-only. <see cref="Standardization"/> and
/// <see cref="LayerDocument"/> compare their arrays element by element; the lists of this record and of
/// <see cref="TrainingDocument"/> (features, classes, layers, costs, extra settings) compare by reference.
/// <see cref="ModelFile.Validate"/> tells whether a document is consistent.
/// </remarks>
public sealed record ModelDocument
{
    /// <summary>The names of the feature columns the model reads, in order.</summary>
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>The name of the label column of the training data.</summary>
    public required string Label { get; init; }

    /// <summary>The class labels; output index i of the network means <c>Classes[i]</c>
    /// (for a sigmoid output, probability of <c>Classes[1]</c>).</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>The feature standardization applied before the first layer, or null for none.</summary>
    public Standardization? Standardization { get; init; }

    /// <summary>The layers from input to output.</summary>
    public required IReadOnlyList<LayerDocument> Layers { get; init; }

    /// <summary>How the model was trained (informative: reading a model does not depend on it).</summary>
    public TrainingDocument Training { get; init; } = new();
}

/// <summary>Per-feature standardization: the network sees <c>(x - Mean[j]) / Std[j]</c> for feature j.</summary>
/// <param name="Mean">One mean per feature.</param>
/// <param name="Std">One standard deviation per feature, each greater than zero.</param>
/// <remarks>Equality compares the arrays element by element.</remarks>
public sealed record Standardization(double[] Mean, double[] Std)
{
    /// <inheritdoc />
    public bool Equals(Standardization? other) =>
        other is not null && ValueEquality.Same(Mean, other.Mean) && ValueEquality.Same(Std, other.Std);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ValueEquality.Hash(Mean), ValueEquality.Hash(Std));
}

/// <summary>One dense layer: <c>activation(Weights · input + Bias)</c>.</summary>
/// <param name="Activation">"sigmoid", "tanh", "relu" or "leaky_relu" for a hidden layer; "sigmoid" (two classes)
/// or "softmax" (more) for the output layer.</param>
/// <param name="Weights">Units x inputs: row i holds the weights of unit i.</param>
/// <param name="Bias">One bias per unit.</param>
/// <remarks>Equality compares the arrays element by element.</remarks>
public sealed record LayerDocument(string Activation, double[,] Weights, double[] Bias)
{
    /// <inheritdoc />
    public bool Equals(LayerDocument? other) =>
        other is not null
        && Activation == other.Activation
        && ValueEquality.Same(Weights, other.Weights)
        && ValueEquality.Same(Bias, other.Bias);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(Activation, ValueEquality.Hash(Weights), ValueEquality.Hash(Bias));

    /// <summary>The number of units (outputs) of the layer: the rows of <see cref="Weights"/>.</summary>
    public int Units => Weights.GetLength(0);

    /// <summary>The number of inputs of the layer: the columns of <see cref="Weights"/>.</summary>
    public int Inputs => Weights.GetLength(1);
}

/// <summary>
/// How a model was trained (its lists compare by reference). Every known setting is optional (null when not recorded); settings the
/// format does not name go in <see cref="Extra"/>.
/// </summary>
public sealed record TrainingDocument
{
    /// <summary>The number of epochs (passes over the training data) run.</summary>
    public int? Epochs { get; init; }

    /// <summary>The learning rate.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The optimizer, e.g. "gd", "momentum", "adam".</summary>
    public string? Optimizer { get; init; }

    /// <summary>The mini-batch size (null or the sample count for full-batch gradient descent).</summary>
    public int? BatchSize { get; init; }

    /// <summary>The L2 regularization strength.</summary>
    public double? L2 { get; init; }

    /// <summary>The weight initialization, e.g. "zeros", "he", "xavier".</summary>
    public string? Initialization { get; init; }

    /// <summary>The scale of the initial weights.</summary>
    public double? InitScale { get; init; }

    /// <summary>The random seed.</summary>
    public int? Seed { get; init; }

    /// <summary>The activation of the hidden layers, as given to the trainer.</summary>
    public string? HiddenActivation { get; init; }

    /// <summary>Whether training stopped before its last epoch (early stopping).</summary>
    public bool? StoppedEarly { get; init; }

    /// <summary>The training cost recorded during training, oldest first.</summary>
    public IReadOnlyList<double> Costs { get; init; } = [];

    /// <summary>The validation cost recorded during training, or null when there was no validation set.</summary>
    public IReadOnlyList<double>? ValidationCosts { get; init; }

    /// <summary>The learning-rate schedule's decay in the command line's form, e.g. "step:10:0.5" (null: constant).</summary>
    public string? Schedule { get; init; }

    /// <summary>The epochs of linear learning-rate warm-up (null: none).</summary>
    public int? Warmup { get; init; }

    /// <summary>The epochs trained before <see cref="Epochs"/> by the models this one was warm-started from (null: none).</summary>
    public int? EpochsBefore { get; init; }

    /// <summary>The epoch (1 for the first) of each entry of <see cref="Costs"/> and <see cref="ValidationCosts"/>,
    /// increasing; null when they hold every epoch from 1 on (a long run keeps only some epochs).</summary>
    public IReadOnlyList<int>? CostEpochs { get; init; }

    /// <summary>The class weights training used (<see cref="ClassWeights.Balanced"/> or explicit ones); null for none.</summary>
    public ClassWeights? ClassWeights { get; init; }

    /// <summary>Whether training used sample weights; null when not recorded (files before sample weights, or none used).</summary>
    public bool? SampleWeights { get; init; }

    /// <summary>Whether the splits training made (validation, and the console's test split) kept each class's share
    /// (<see cref="TrainingOptions.Stratify"/>); null when not recorded (files before stratified splits).</summary>
    public bool? Stratified { get; init; }

    /// <summary>Other settings by their JSON name (camelCase): each value a <see cref="string"/>, a <see cref="bool"/>
    /// or a number (<see cref="double"/>, <see cref="int"/> or <see cref="long"/> when written; always a
    /// <see cref="double"/> when read).</summary>
    public IReadOnlyDictionary<string, object> Extra { get; init; } = ReadOnlyDictionary<string, object>.Empty;
}
