namespace Perceptron;

/// <summary>One hidden layer for <see cref="TrainingOptions.Layers"/>: its width and activation.</summary>
/// <param name="Size">The number of units, &gt;= 1.</param>
/// <param name="Activation">The layer's activation.</param>
public sealed record HiddenLayer(int Size, Activation Activation);
