using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Perceptron.Cli;

/// <summary>Options shared by several commands, with validation that names the option.</summary>
internal static class CommonOptions
{
    public static Option<string?> Data(string description) => new("--data") { Description = description, HelpName = "FILE" };

    public static Option<string?> Label() => new("--label")
    {
        Description = "The label column (default: the last column).",
        HelpName = "COLUMN",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout instead of text." };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seeds initialisation, shuffling and splits: same seed, same model.",
        DefaultValueFactory = _ => 0,
        CustomParser = r => ParseInt(r, "--seed", int.MinValue),
    };

    public static Option<HiddenSpec[]> Hidden() => new("--hidden")
    {
        Description = "Hidden layers, comma-separated widths, each with its own activation if given as WIDTH:NAME, "
            + "e.g. 16,8 or 16:relu,8:tanh (a width without :NAME takes --activation; default: none, the perceptron).",
        HelpName = "W1[:ACT],W2[:ACT],...",
        DefaultValueFactory = _ => [],
        CustomParser = ParseWidths,
    };

    /// <summary>The widths of --hidden.</summary>
    public static int[] Widths(HiddenSpec[]? hidden) => hidden?.Select(h => h.Size).ToArray() ?? [];

    /// <summary>The layers of --hidden when one names its own activation (the others take --activation); null when none does.</summary>
    public static HiddenLayer[]? Layers(HiddenSpec[]? hidden, Activation activation) =>
        hidden is not null && hidden.Any(h => h.Activation is not null)
            ? hidden.Select(h => new HiddenLayer(h.Size, h.Activation ?? activation)).ToArray()
            : null;

    /// <summary>The --schedule option: the facade's (the core's) schedule syntax.</summary>
    public static Option<LearningRateSchedule> Schedule() => new("--schedule")
    {
        Description = "Learning-rate schedule per epoch: constant; step:EVERY:FACTOR (times FACTOR every EVERY epochs); "
            + "exponential:GAMMA (times GAMMA every epoch); cosine[:FLOOR] (down to FLOOR x the rate at the end of the run).",
        HelpName = "constant|step:EVERY:FACTOR|exponential:GAMMA|cosine[:FLOOR]",
        DefaultValueFactory = _ => LearningRateSchedule.Constant,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty;
            try
            {
                return LearningRateSchedule.Parse(text);
            }
            catch (ArgumentException e)
            {
                r.AddError($"--schedule '{text}' is not valid: {Errors.Describe(e).TrimEnd('.')}");
                return LearningRateSchedule.Constant;
            }
        },
    };

    /// <summary>The library's defaults, which an option left out takes.</summary>
    public static readonly TrainingOptions Defaults = new();

    /// <summary>
    /// The hidden activation; null when not given (then <see cref="Defaults"/>'). No default value of its own, so
    /// that help shows the default by its name ("tanh"), as the option takes it, rather than by its enum member.
    /// </summary>
    public static Option<Activation?> HiddenActivation() => new("--activation")
    {
        Description = $"Hidden-layer activation: {OneOf(ActivationNames.Keys)} (default: {Names.Of(Defaults.Activation)}).",
        HelpName = string.Join('|', ActivationNames.Keys),
        CustomParser = r => ParseActivation(r, "--activation"),
    };

    public static Option<Initialization?> Init() => new("--init")
    {
        Description = $"Initial weights: {OneOf(InitializationNames.Keys)} (default: {Names.Of(Initialization.Zeros)} without hidden layers, "
            + $"{Names.Of(Initialization.He)} when every hidden layer is {Names.Of(Activation.Relu)} or {Names.Of(Activation.LeakyRelu)}, {Names.Of(Initialization.Xavier)} otherwise).",
        HelpName = string.Join('|', InitializationNames.Keys),
        CustomParser = r => ParseName(r, "--init", InitializationNames),
    };

    /// <summary>The optimizer; null when not given (then <see cref="Defaults"/>'), so that help names the default as the option takes it.</summary>
    public static Option<Optimizer?> OptimizerOption() => new("--optimizer")
    {
        Description = $"{OneOf(OptimizerNames.Keys)} (default: {Names.Of(Defaults.Optimizer)}).",
        HelpName = string.Join('|', OptimizerNames.Keys),
        CustomParser = r => ParseName(r, "--optimizer", OptimizerNames.ToDictionary(p => p.Key, p => (Optimizer?)p.Value)),
    };

    /// <summary>"a, b, c or d": the names of a table, as help lists them.</summary>
    private static string OneOf(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? list[0] : $"{string.Join(", ", list.SkipLast(1))} or {list[^1]}";
    }

    public static Option<double> InitScale() => new("--init-scale")
    {
        Description = $"Standard deviation for --init {Names.Of(Initialization.Normal)}.",
        DefaultValueFactory = _ => 0.01,
        CustomParser = r => ParseDouble(r, "--init-scale", positive: true),
    };

    public static Option<string?> Model(string description, bool required) =>
        new("--model") { Description = description, HelpName = "FILE", Required = required };

    /// <summary>The facade's (the core's) table of hidden-layer activation names.</summary>
    public static readonly IReadOnlyDictionary<string, Activation> ActivationNames = Names.HiddenActivations;

    /// <summary>The facade's (the core's) table of initialisation names.</summary>
    public static readonly IReadOnlyDictionary<string, Initialization?> InitializationNames =
        Names.Initializations.ToDictionary(p => p.Key, p => (Initialization?)p.Value);

    /// <summary>The facade's (the core's) table of optimizer names.</summary>
    public static readonly IReadOnlyDictionary<string, Optimizer> OptimizerNames = Names.Optimizers;

    /// <summary>The L2 penalty, as train and gradcheck take it.</summary>
    public static Option<double> L2(string description) => new("--l2")
    {
        Description = description,
        DefaultValueFactory = _ => 0.0,
        CustomParser = r => ParseDouble(r, "--l2", positive: false),
    };

    /// <summary>
    /// Checks a file the command will write before any work is done, so a typo does not cost a training run: not a
    /// folder, a name the file system accepts, a folder that exists and takes new files, and none of the files the
    /// run reads or writes under another option (writing over the data being read would destroy it).
    /// </summary>
    public static void CheckOutputPath(string? path, string option, params (string Option, string? Path)[] others)
    {
        if (path is null)
        {
            return;
        }

        if (path.Length == 0)
        {
            throw new UsageException($"{option} is empty; expected the path of a file to write");
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"{option} '{path}' is a directory; expected the path of a file to write");
        }

        var name = Path.GetFileName(path);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxFileNameBytes)
        {
            throw new UsageException($"{option} '{path}': the file name is {bytes} bytes long; expected at most {MaxFileNameBytes}");
        }

        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new UsageException($"{option} '{path}': the folder '{folder}' does not exist");
        }

        var special = AtomicFile.IsSpecialFile(full);
        foreach (var (other, otherPath) in others)
        {
            if (otherPath is not null && !special && SameFile(full, otherPath))
            {
                throw new UsageException($"{option} '{path}' is also {other}; expected a different file, so that the run does not write over a file it reads or writes");
            }
        }

        if (!special && folder is not null)
        {
            ProbeFolder(path, option, folder);
        }
    }

    /// <summary>The longest file name (one path component) that Linux and macOS file systems accept, in bytes.</summary>
    private const int MaxFileNameBytes = 255;

    private static bool SameFile(string full, string other)
    {
        static string Resolve(string path)
        {
            var full = Path.GetFullPath(path);
            try
            {
                return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return full;
            }
        }

        return string.Equals(Resolve(full), Resolve(other), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>Creates and deletes a file where the output's temporary file will go: a folder that refuses new files fails now, not after training.</summary>
    private static void ProbeFolder(string path, string option, string folder)
    {
        var probe = Path.Combine(folder, $".perceptron-{Environment.ProcessId}-probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is UnauthorizedAccessException ? "permission denied" : e.Message.Split(" : '")[0].TrimEnd('.');
            throw new UsageException($"{option} '{path}': cannot create a file in the folder '{folder}' ({reason})");
        }
    }

    /// <summary>The options' flags, for the library's messages about them (TrainingOptions.Validate).</summary>
    public static readonly OptionNames Flags = new()
    {
        HiddenLayers = "--hidden",
        Initialization = "--init",
        Epochs = "--epochs",
        BatchSize = "--batch-size",
        Patience = "--patience",
        ValidationFraction = "--validation-fraction",
        Flags = true,
    };

    /// <summary>An activation by the core's parser (which also accepts "leaky-relu"), else ParseName's error.</summary>
    public static Activation? ParseActivation(ArgumentResult result, string option) =>
        Names.ParseActivation(result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty) is Activation activation
            ? activation
            : ParseName(result, option, ActivationNames.ToDictionary(p => p.Key, p => (Activation?)p.Value));

    public static T ParseName<T>(ArgumentResult result, string option, IReadOnlyDictionary<string, T> names)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (names.TryGetValue(text.Trim().ToLowerInvariant(), out var value))
        {
            return value;
        }

        // Help once showed defaults by their enum names ("[default: GradientDescent]"): those are still accepted.
        foreach (var known in names.Values)
        {
            if (string.Equals(known?.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        result.AddError($"{option} '{text}' is not known; expected one of {string.Join(", ", names.Keys.Where(k => !k.Contains('-')))}");
        return default!;
    }

    public static int ParseInt(ArgumentResult result, string option, int minimum)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        result.AddError(minimum == int.MinValue
            ? $"{option} '{text}' is not valid; expected a whole number"
            : $"{option} '{text}' is not valid; expected a whole number >= {minimum}");
        return default;
    }

    public static double ParseDouble(ArgumentResult result, string option, bool positive, double? below = null)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value)
            && (positive ? value > 0 : value >= 0)
            && (below is not double b || value < b);
        if (ok)
        {
            return value;
        }

        var range = (positive ? "> 0" : ">= 0") + (below is double limit ? $" and < {limit.ToString(CultureInfo.InvariantCulture)}" : string.Empty);
        result.AddError($"{option} '{text}' is not valid; expected a number {range}");
        return default;
    }

    private static HiddenSpec[] ParseWidths(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        // Every width must be there: '' or '4,,4' or '4,' is a typo, not a request for fewer layers.
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var layers = new HiddenSpec[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var pieces = parts[i].Split(':', 2, StringSplitOptions.TrimEntries);
            if (!int.TryParse(pieces[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var width) || width < 1)
            {
                result.AddError($"--hidden '{text}' is not valid; expected comma-separated widths >= 1, like 16,8");
                return [];
            }

            Activation? activation = null;
            if (pieces.Length == 2)
            {
                activation = Names.ParseActivation(pieces[1]);
                if (activation is null)
                {
                    result.AddError(
                        $"--hidden '{text}': activation '{pieces[1]}' is not known; expected one of {string.Join(", ", ActivationNames.Keys)}");
                    return [];
                }
            }

            layers[i] = new HiddenSpec(width, activation);
        }

        return layers;
    }
}

/// <summary>One --hidden layer: its width, and its activation when given as WIDTH:NAME.</summary>
internal sealed record HiddenSpec(int Size, Activation? Activation);
