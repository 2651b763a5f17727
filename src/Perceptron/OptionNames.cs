namespace Perceptron;

/// <summary>
/// How the library's messages about <see cref="TrainingOptions"/> name the options: by default the properties, so
/// that a message names what a C# caller set; a console host passes its flags, so that it names what its user typed.
/// The rules and their wording stay the library's.
/// </summary>
public sealed record OptionNames
{
    /// <summary>The name of <see cref="TrainingOptions.HiddenLayers"/>.</summary>
    public string HiddenLayers { get; init; } = nameof(TrainingOptions.HiddenLayers);

    /// <summary>The name of <see cref="TrainingOptions.Initialization"/>.</summary>
    public string Initialization { get; init; } = nameof(TrainingOptions.Initialization);

    /// <summary>The name of <see cref="TrainingOptions.Epochs"/>.</summary>
    public string Epochs { get; init; } = nameof(TrainingOptions.Epochs);

    /// <summary>The name of <see cref="TrainingOptions.BatchSize"/>.</summary>
    public string BatchSize { get; init; } = nameof(TrainingOptions.BatchSize);

    /// <summary>The name of <see cref="TrainingOptions.Patience"/>.</summary>
    public string Patience { get; init; } = nameof(TrainingOptions.Patience);

    /// <summary>The name of <see cref="TrainingOptions.Tolerance"/>.</summary>
    public string Tolerance { get; init; } = nameof(TrainingOptions.Tolerance);

    /// <summary>The name of <see cref="TrainingOptions.ValidationFraction"/>.</summary>
    public string ValidationFraction { get; init; } = nameof(TrainingOptions.ValidationFraction);

    /// <summary>
    /// True when the names are command-line flags: a value then follows its flag as the model file and the command
    /// line spell it ("--init zeros"); false for properties ("Initialization Zeros", "ValidationFraction = 0.2").
    /// </summary>
    public bool Flags { get; init; }
}
