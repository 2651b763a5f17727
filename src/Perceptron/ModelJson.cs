// The JSON form of a ModelDocument (docs/model-format.md). Writing is done by hand rather than with
// Utf8JsonWriter so that each row of numbers stays on one line: an indented writer puts every number
// on a line of its own, which makes a 30 x 16 layer 480 lines long. Reading walks a JsonDocument
// and checks every element's type, so that a bad file is reported by its JSON path.

using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Perceptron;

internal static class ModelJson
{
    private static readonly string[] TopLevelNames =
        ["format", "version", "features", "label", "classes", "standardization", "layers", "training"];

    private static readonly string[] LayerNames = ["activation", "weights", "bias"];

    private static readonly string[] StandardizationNames = ["mean", "std"];

    // What a string that System.Text.Json cannot decode holds (see TryGetString).
    private const string UnpairedSurrogate = "with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair)";

    // ---- Writing ----------------------------------------------------------------------------

    /// <summary>Writes <paramref name="model"/> (already validated) as UTF-8 JSON, without a BOM.</summary>
    public static void Write(Stream stream, ModelDocument model)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true);
        writer.Write("{\n");
        writer.Write($"  \"format\": {Text(ModelFile.FormatName)},\n");
        writer.Write($"  \"version\": {ModelFile.FormatVersion},\n");
        writer.Write($"  \"features\": {Texts(model.Features)},\n");
        writer.Write($"  \"label\": {Text(model.Label)},\n");
        writer.Write($"  \"classes\": {Texts(model.Classes)},\n");
        if (model.Standardization is { } standardization)
        {
            writer.Write("  \"standardization\": {\n");
            writer.Write($"    \"mean\": {Numbers(standardization.Mean)},\n");
            writer.Write($"    \"std\": {Numbers(standardization.Std)}\n");
            writer.Write("  },\n");
        }
        else
        {
            writer.Write("  \"standardization\": null,\n");
        }

        writer.Write("  \"layers\": [\n");
        for (var l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            writer.Write("    {\n");
            writer.Write($"      \"activation\": {Text(layer.Activation)},\n");
            writer.Write("      \"weights\": [\n");
            var row = new double[layer.Inputs];
            for (var i = 0; i < layer.Units; i++)
            {
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] = layer.Weights[i, j];
                }

                writer.Write($"        {Numbers(row)}{(i + 1 < layer.Units ? "," : "")}\n");
            }

            writer.Write("      ],\n");
            writer.Write($"      \"bias\": {Numbers(layer.Bias)}\n");
            writer.Write(l + 1 < model.Layers.Count ? "    },\n" : "    }\n");
        }

        writer.Write("  ],\n");
        writer.Write("  \"training\": {\n");
        var settings = TrainingSettings(model.Training).ToList();
        for (var i = 0; i < settings.Count; i++)
        {
            writer.Write($"    {Text(settings[i].Name)}: {settings[i].Json}{(i + 1 < settings.Count ? "," : "")}\n");
        }

        writer.Write("  }\n");
        writer.Write("}\n");
    }

    private static IEnumerable<(string Name, string Json)> TrainingSettings(TrainingDocument training)
    {
        if (training.Epochs is { } epochs) yield return ("epochs", Number(epochs));
        if (training.LearningRate is { } learningRate) yield return ("learningRate", Number(learningRate));
        if (training.Optimizer is { } optimizer) yield return ("optimizer", Text(optimizer));
        if (training.BatchSize is { } batchSize) yield return ("batchSize", Number(batchSize));
        if (training.L2 is { } l2) yield return ("l2", Number(l2));
        if (training.Initialization is { } initialization) yield return ("initialization", Text(initialization));
        if (training.InitScale is { } initScale) yield return ("initScale", Number(initScale));
        if (training.Seed is { } seed) yield return ("seed", Number(seed));
        if (training.HiddenActivation is { } hiddenActivation) yield return ("hiddenActivation", Text(hiddenActivation));
        if (training.StoppedEarly is { } stoppedEarly) yield return ("stoppedEarly", stoppedEarly ? "true" : "false");
        if (training.Schedule is { } schedule) yield return ("schedule", Text(schedule));
        if (training.Warmup is { } warmup) yield return ("warmup", Number(warmup));
        if (training.EpochsBefore is { } epochsBefore) yield return ("epochsBefore", Number(epochsBefore));
        if (training.ClassWeights is { } classWeights) yield return ("classWeights", ClassWeightsJson(classWeights));
        if (training.SampleWeights is { } sampleWeights) yield return ("sampleWeights", sampleWeights ? "true" : "false");
        if (training.Stratified is { } stratified) yield return ("stratified", stratified ? "true" : "false");

        // Sorted, so that writing the same document twice gives the same bytes.
        foreach (var (name, value) in training.Extra.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            yield return (name, value switch
            {
                string text => Text(text),
                bool flag => flag ? "true" : "false",
                int number => Number(number),
                long number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                double number => Number(number),
                _ => throw new InvalidOperationException($"training.{name}: unchecked value type {value.GetType()}"),
            });
        }

        yield return ("costs", Numbers(training.Costs));
        if (training.ValidationCosts is { } validationCosts) yield return ("validationCosts", Numbers(validationCosts));
        if (training.CostEpochs is { } costEpochs) yield return ("costEpochs", $"[{string.Join(", ", costEpochs.Select(e => e.ToString(CultureInfo.InvariantCulture)))}]");
    }

    // "balanced", or the explicit weights as one string of numbers ("1,5"): a string, so that readers from before
    // this setting keep it in Extra (they refuse arrays there). No class weights are written as nothing at all.
    private static string ClassWeightsJson(ClassWeights weights) => Text(weights.ToString());

    private static ClassWeights ReadClassWeights(JsonElement value, string path)
    {
        var text = String(value, path);
        if (text is "balanced" or "none")
        {
            return text == "balanced" ? ClassWeights.Balanced : ClassWeights.None;
        }

        var parts = text.Split(',');
        var weights = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            // The "R" form that writing uses; NaN and infinities are left to ModelValidation, which names the weight.
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]))
            {
                throw Problem($"{path} is {Shown(value)}; expected \"balanced\", \"none\" or weights separated by commas, one per class, like \"1,5\"");
            }
        }

        return ClassWeights.Unchecked(weights);
    }

    // .NET's shortest round-trip form ("R"): parsing it gives back the same bits, e.g. 0.30000000000000004 or 1E-300.
    private static string Number(double value) => MessageText.Number(value);

    private static string Numbers(IReadOnlyList<double> values) => $"[{string.Join(", ", values.Select(Number))}]";

    // Relaxed escaping keeps non-ASCII names readable; quotes, backslashes and control characters are still escaped.
    private static string Text(string value) => $"\"{JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";

    private static string Texts(IReadOnlyList<string> values) => $"[{string.Join(", ", values.Select(Text))}]";

    // ---- Reading ----------------------------------------------------------------------------

    /// <summary>Builds a document from parsed JSON, checking the type of every element (not yet the shapes).</summary>
    /// <exception cref="ModelProblemException">An element is missing, of the wrong type, or an unknown property.</exception>
    public static ModelDocument Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Problem($"the file holds {Kind(root)}; expected a JSON object, a perceptron model");
        }

        var properties = Properties(root, "");

        // Format and version come first: for a file of another kind they are the only useful message.
        if (!properties.TryGetValue("format", out var format))
        {
            throw Problem($"format is missing; expected {MessageText.Quote(ModelFile.FormatName)} (is this a perceptron model file?)");
        }

        if (format.ValueKind != JsonValueKind.String || TryGetString(format) != ModelFile.FormatName)
        {
            throw Problem($"format is {Shown(format)}; expected {MessageText.Quote(ModelFile.FormatName)}");
        }

        if (!properties.TryGetValue("version", out var version))
        {
            throw Problem($"version is missing; expected {ModelFile.FormatVersion}");
        }

        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number != ModelFile.FormatVersion)
        {
            var newer = version.ValueKind == JsonValueKind.Number && version.TryGetDouble(out var value) && value > ModelFile.FormatVersion
                ? " (the file was written by a newer perceptron)"
                : "";
            throw Problem($"version is {Shown(version)}; expected {ModelFile.FormatVersion}, the version this perceptron reads{newer}");
        }

        CheckNames(properties, "", TopLevelNames);
        var features = Strings(Required(properties, "", "features", "an array of feature names"), "features");
        var label = String(Required(properties, "", "label", "the name of the label column"), "label");
        var classes = Strings(Required(properties, "", "classes", "an array of class labels"), "classes");
        ModelValidation.CheckColumns(features, label, classes);
        var standardization = properties.TryGetValue("standardization", out var element) && element.ValueKind != JsonValueKind.Null
            ? ReadStandardization(element)
            : null;
        var layers = ReadLayers(Required(properties, "", "layers", "an array of layers"), features.Length);
        var training = properties.TryGetValue("training", out element) && element.ValueKind != JsonValueKind.Null
            ? ReadTraining(element)
            : new TrainingDocument();
        return new ModelDocument
        {
            Features = Array.AsReadOnly(features),
            Label = label,
            Classes = Array.AsReadOnly(classes),
            Standardization = standardization,
            Layers = layers,
            Training = training,
        };
    }

    private static Standardization ReadStandardization(JsonElement element)
    {
        var properties = Properties(element, "standardization", "an object with mean and std, or null");
        CheckNames(properties, "standardization", StandardizationNames);
        return new Standardization(
            Numbers(Required(properties, "standardization", "mean", "an array of numbers"), "standardization.mean"),
            Numbers(Required(properties, "standardization", "std", "an array of numbers"), "standardization.std"));
    }

    private static LayerDocument[] ReadLayers(JsonElement layersElement, int features)
    {
        Expect(layersElement, JsonValueKind.Array, "layers", "an array of layers");
        var layers = new LayerDocument[layersElement.GetArrayLength()];
        for (var l = 0; l < layers.Length; l++)
        {
            var path = $"layers[{l}]";
            var properties = Properties(layersElement[l], path, "a layer object");
            CheckNames(properties, path, LayerNames);
            var activation = String(Required(properties, path, "activation", "the name of an activation"), $"{path}.activation");

            // Each row is checked against the layer's inputs as it is read, so a ragged row is named.
            var (inputs, why) = l == 0 ? (features, "one per feature") : (layers[l - 1].Units, $"the units of layers[{l - 1}]");
            var rows = Required(properties, path, "weights", "an array of rows, one per unit");
            Expect(rows, JsonValueKind.Array, $"{path}.weights", "an array of rows, one per unit");
            if (rows.GetArrayLength() == 0)
            {
                throw Problem($"{path}.weights is empty; expected one row per unit");
            }

            var weights = new double[rows.GetArrayLength(), inputs];
            var i = 0;
            foreach (var element in rows.EnumerateArray())
            {
                var row = Numbers(element, $"{path}.weights[{i}]");
                if (row.Length != inputs)
                {
                    throw Problem($"{path}.weights[{i}] has {MessageText.Count(row.Length, "value", "values")}; expected {inputs} ({why})");
                }

                for (var j = 0; j < inputs; j++)
                {
                    weights[i, j] = row[j];
                }

                i++;
            }

            var bias = Numbers(Required(properties, path, "bias", "an array of numbers, one per unit"), $"{path}.bias");
            layers[l] = new LayerDocument(activation, weights, bias);
        }

        return layers;
    }

    private static TrainingDocument ReadTraining(JsonElement element)
    {
        var training = new TrainingDocument();
        var extra = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in Properties(element, "training", "an object"))
        {
            var path = Join("training", name);
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue; // A setting that was not recorded.
            }

            training = name switch
            {
                "epochs" => training with { Epochs = Int(value, path) },
                "learningRate" => training with { LearningRate = Number(value, path) },
                "optimizer" => training with { Optimizer = String(value, path) },
                "batchSize" => training with { BatchSize = Int(value, path) },
                "l2" => training with { L2 = Number(value, path) },
                "initialization" => training with { Initialization = String(value, path) },
                "initScale" => training with { InitScale = Number(value, path) },
                "seed" => training with { Seed = Int(value, path) },
                "hiddenActivation" => training with { HiddenActivation = String(value, path) },
                "stoppedEarly" => training with { StoppedEarly = Bool(value, path) },
                "schedule" => training with { Schedule = String(value, path) },
                "warmup" => training with { Warmup = Int(value, path) },
                "epochsBefore" => training with { EpochsBefore = Int(value, path) },
                "classWeights" => training with { ClassWeights = ReadClassWeights(value, path) },
                "sampleWeights" => training with { SampleWeights = Bool(value, path) },
                "stratified" => training with { Stratified = Bool(value, path) },
                "costs" => training with { Costs = Array.AsReadOnly(Numbers(value, path)) },
                "validationCosts" => training with { ValidationCosts = Array.AsReadOnly(Numbers(value, path)) },
                "costEpochs" => training with { CostEpochs = Array.AsReadOnly(Ints(value, path)) },
                _ => training,
            };

            if (!ModelValidation.KnownTrainingNames.Contains(name, StringComparer.Ordinal))
            {
                extra[name] = value.ValueKind switch
                {
                    JsonValueKind.String => String(value, path),
                    JsonValueKind.Number => Number(value, path),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Problem($"{path} is {Kind(value)}; expected a string, a number or a boolean"),
                };
            }
        }

        return training with { Extra = extra.AsReadOnly() };
    }

    /// <summary>The properties of an object by name, refusing a name given twice (JSON allows it; the last would win silently).</summary>
    private static Dictionary<string, JsonElement> Properties(JsonElement element, string path, string? expected = null)
    {
        Expect(element, JsonValueKind.Object, path, expected ?? "an object");
        var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                throw Problem($"{(path.Length == 0 ? "the file" : path)} has a property name {UnpairedSurrogate}; expected text");
            }

            if (!properties.TryAdd(name, property.Value))
            {
                throw Problem($"{Join(path, name)} appears twice; expected each property once");
            }
        }

        return properties;
    }

    /// <summary>Unknown properties are errors: a misspelt "standardisation" must not be dropped silently.</summary>
    private static void CheckNames(Dictionary<string, JsonElement> properties, string path, string[] known)
    {
        foreach (var name in properties.Keys)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw Problem($"{Join(path, name)} is not a property of the format; expected only {MessageText.List(known, known.Length)}");
            }
        }
    }

    private static JsonElement Required(Dictionary<string, JsonElement> properties, string path, string name, string expected) =>
        properties.TryGetValue(name, out var value) ? value : throw Problem($"{Join(path, name)} is missing; expected {expected}");

    private static string String(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.String, path, "a string");
        return TryGetString(element) ?? throw Problem($"{path} is a string {UnpairedSurrogate}; expected text");
    }

    /// <summary>The string, or null when it cannot be decoded: a \u escape may give half a surrogate pair, which
    /// System.Text.Json refuses to decode (it throws InvalidOperationException).</summary>
    private static string? TryGetString(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string[] Strings(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Array, path, "an array of strings");
        var values = new string[element.GetArrayLength()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = String(element[i], $"{path}[{i}]");
        }

        return values;
    }

    private static double Number(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Number, path, "a number");
        // System.Text.Json reads 1e999 as infinity: the format has finite numbers only.
        if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            throw Problem($"{path} is {element.GetRawText()}; expected a finite number (it does not fit a double)");
        }

        return value;
    }

    private static double[] Numbers(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Array, path, "an array of numbers");
        var values = new double[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            values[i] = Number(item, $"{path}[{i}]");
            i++;
        }

        return values;
    }

    private static int[] Ints(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Array, path, "an array of whole numbers");
        var values = new int[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            values[i] = Int(item, $"{path}[{i}]");
            i++;
        }

        return values;
    }

    private static int Int(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Number, path, "a whole number");
        return element.TryGetInt32(out var value) ? value : throw Problem($"{path} is {element.GetRawText()}; expected a whole number");
    }

    private static bool Bool(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Problem($"{path} is {Kind(element)}; expected true or false"),
    };

    private static void Expect(JsonElement element, JsonValueKind kind, string path, string expected)
    {
        if (element.ValueKind != kind)
        {
            throw Problem($"{(path.Length == 0 ? "the file" : path)} is {Kind(element)}; expected {expected}");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => TryGetString(element) is { } text ? $"a string ({MessageText.Quote(text)})" : $"a string {UnpairedSurrogate}",
        JsonValueKind.Number => $"a number ({element.GetRawText()})",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>A value as the user wrote it: a string quoted, a number as is, else its kind.</summary>
    private static string Shown(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => TryGetString(element) is { } text ? MessageText.Quote(text) : $"a string {UnpairedSurrogate}",
        JsonValueKind.Number => element.GetRawText(),
        _ => Kind(element),
    };

    /// <summary>The path of property <paramref name="name"/>. A name from the file that would not read plainly in a
    /// message (empty, long, or with a line break or other control character) is quoted and shortened.</summary>
    private static string Join(string path, string name)
    {
        var plain = name.Length is > 0 and <= 40
            && !name.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
        var shown = plain ? name : MessageText.Quote(name);
        return path.Length == 0 ? shown : $"{path}.{shown}";
    }

    private static ModelProblemException Problem(string message) => ModelValidation.Problem(message);
}
