namespace Perceptron;

/// <summary>
/// How the library's messages about a split (<see cref="Samples.Split(int, double, int, int[], SplitNames)"/>) name
/// what is split: by default the method's parameters; a console host passes its option and the data's file, so that
/// the message names what its user typed. The rules and their wording stay the library's.
/// </summary>
public sealed record SplitNames
{
    /// <summary>The fraction held out, e.g. "testFraction" or "--test-fraction".</summary>
    public string Fraction { get; init; } = "testFraction";

    /// <summary>The labels the split is stratified by, e.g. "stratifyBy".</summary>
    public string Labels { get; init; } = "stratifyBy";

    /// <summary>What the samples are, e.g. "samples" or "training samples".</summary>
    public string Samples { get; init; } = "samples";

    /// <summary>Where the samples come from, e.g. a file name; null when unknown.</summary>
    public string? Source { get; init; }

    /// <summary>How to split without stratifying, e.g. "split without stratifying: --no-stratify".</summary>
    public string Unstratified { get; init; } = "split without stratifying";
}
