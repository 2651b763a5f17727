using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Perceptron.Cli;

/// <summary>`train`'s --weight-column and --class-weight: sample weights from a CSV column, and weights per class.</summary>
internal static class WeightOptions
{
    public static Option<string?> WeightColumn() => new("--weight-column")
    {
        Description = "Read each sample's weight (a number >= 0) from this CSV column, which is then not a feature; "
            + "the cost becomes the weighted mean (a weight of 2 counts a sample twice, 0 leaves it out).",
        HelpName = "NAME",
    };

    public static Option<ClassWeights?> ClassWeight() => new("--class-weight")
    {
        Description = "Weights per class, multiplied into the sample weights: balanced (n / (classes x class count), "
            + "as scikit-learn) or one weight >= 0 per class in the model's class order, e.g. 1,5.",
        HelpName = "balanced|W0,W1,...",
        CustomParser = Parse,
    };

    private static ClassWeights? Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (text == "balanced")
        {
            return ClassWeights.Balanced;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var weights = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]))
            {
                result.AddError($"--class-weight '{text}' is not valid; expected balanced or comma-separated weights >= 0, one per class, like 1,5");
                return null;
            }
        }

        try
        {
            return ClassWeights.Explicit(weights);
        }
        catch (ArgumentException e)
        {
            // The library's rule for a weight (finite, >= 0), said for the option.
            result.AddError($"--class-weight '{text}' is not valid: {Errors.Describe(e)}");
            return null;
        }
    }

    /// <summary>The summary's weights row, e.g. "column 'w', class weights balanced".</summary>
    public static string Describe(string? column, ClassWeights classWeights)
    {
        var parts = new List<string>();
        if (column is not null)
        {
            parts.Add($"sample weights from column '{column}'");
        }

        if (!classWeights.Equals(ClassWeights.None))
        {
            parts.Add($"class weights {classWeights}");
        }

        return string.Join(", ", parts);
    }

    /// <summary>Explicit class weights are one per class of the data (or of the --warm-start model), in their order.</summary>
    public static void CheckCount(ClassWeights weights, IReadOnlyList<string> classes)
    {
        if (weights.Weights is { } explicitWeights && explicitWeights.Count != classes.Count)
        {
            throw new UsageException(
                $"--class-weight '{weights}' has {explicitWeights.Count} {(explicitWeights.Count == 1 ? "weight" : "weights")}; "
                + $"expected one per class, {classes.Count} in the order {string.Join(", ", classes.Select(c => $"'{c}'"))}");
        }
    }
}
