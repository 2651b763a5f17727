using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>The names of activations, initialisations and optimizers, as the model file and the command line spell them (the core's tables).</summary>
public static class Names
{
    /// <summary>Each hidden-layer activation by its name ("sigmoid", "tanh", "relu", "leaky_relu").</summary>
    public static IReadOnlyDictionary<string, Activation> HiddenActivations { get; } =
        Enum.GetValues<Activation>().ToDictionary(Of, a => a);

    /// <summary>Each initialisation by its name ("zeros", "normal", "xavier", "he").</summary>
    public static IReadOnlyDictionary<string, Initialization> Initializations { get; } =
        Enum.GetValues<Initialization>().ToDictionary(Of, i => i);

    /// <summary>Each optimizer by its name ("gd", "momentum", "adam").</summary>
    public static IReadOnlyDictionary<string, Optimizer> Optimizers { get; } =
        Enum.GetValues<Optimizer>().ToDictionary(Of, o => o);

    /// <summary>The name of an optimizer.</summary>
    public static string Of(Optimizer optimizer) => Core.OptimizerKindModule.Name(Interop.ToCore(optimizer));

    /// <summary>The name of an activation.</summary>
    public static string Of(Activation activation) => Core.ActivationModule.Name(Interop.ToCore(activation));

    /// <summary>The name of an initialisation.</summary>
    public static string Of(Initialization initialization) =>
        Core.InitializationModule.Name(Interop.ToCore(initialization, 1.0));

    /// <summary>The hidden-layer activation with this name (case-insensitive; "leaky-relu" accepted), or null.</summary>
    public static Activation? ParseActivation(string name) =>
        Interop.ParseActivation(name) is { } parsed
        && HiddenActivations.TryGetValue(Core.ActivationModule.Name(parsed), out var activation)
            ? activation
            : null;
}
