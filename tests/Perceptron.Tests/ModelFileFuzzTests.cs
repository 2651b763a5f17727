// ModelFile: random bytes and damaged model files. Every read either gives a model that passes
// ModelFile.Validate or throws a DataFormatException with a one-line message that leads with the
// source; never another exception, never a hang. A file left undamaged must read back as written.

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Sdk;

namespace Perceptron.Tests;

public class ModelFileFuzzTests
{
    private const string Source = "fuzz.json";

    // ---- Properties ----------------------------------------------------------------------------

    [Property(MaxTest = 500)]
    public Property A_damaged_model_file_gives_a_valid_model_or_a_DataFormatException() =>
        Prop.ForAll(Arb.From(DamagedModel), file => Check(file, Read(file.Bytes)));

    [Property(MaxTest = 300)]
    public Property Random_bytes_give_a_DataFormatException() =>
        Prop.ForAll(Arb.From(Fuzz.RandomBytes.Select(bytes => new ModelCase(bytes, null, "random"))), file => Check(file, Read(file.Bytes)));

    private static (ModelDocument? Result, DataFormatException? Error) Read(byte[] bytes) =>
        Fuzz.Outcome(Source, () => ModelFile.Read(new MemoryStream(bytes), Source));

    // ---- Found by fuzzing ------------------------------------------------------------------------

    /// <summary>A small valid model file.</summary>
    private const string Valid =
        "{\"format\": \"perceptron-model\", \"version\": 1, \"features\": [\"a\"], \"label\": \"y\", \"classes\": [\"0\", \"1\"],\n"
        + " \"layers\": [{\"activation\": \"sigmoid\", \"weights\": [[0.5]], \"bias\": [0]}], \"training\": {\"note\": \"first\"}}";

    private static string Error(byte[] bytes) =>
        Assert.Throws<DataFormatException>(() => ModelFile.Read(new MemoryStream(bytes), Source)).Message;

    private static string Error(string json) => Error(Encoding.UTF8.GetBytes(json));

    /// <summary>The message for <see cref="Valid"/> with <paramref name="from"/> (which occurs once) replaced.</summary>
    private static string Error(string from, string to)
    {
        Assert.Equal(2, Valid.Split(from).Length);
        return Error(Valid.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void The_valid_model_here_is_valid()
    {
        Assert.Equal(["a"], ModelFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(Valid)), Source).Features);
    }

    [Fact]
    public void A_misspelt_literal_is_quoted_short_and_on_one_line()
    {
        // System.Text.Json quotes the whole rest of the file after a misspelt literal, line breaks and all.
        Assert.Equal(
            "fuzz.json:1:15: not valid JSON ('nul, \"version\": 1, \"features\": [\"a\"], \"l…' is an invalid JSON literal. "
            + "Expected the literal 'null'); expected a perceptron model file",
            Error("\"perceptron-model\"", "nul"));
    }

    [Fact]
    public void A_byte_that_is_not_UTF8_in_a_string_is_reported_at_its_place()
    {
        // System.Text.Json checks UTF-8 only outside strings: reading the string threw InvalidOperationException.
        var bytes = Encoding.UTF8.GetBytes(Valid.Replace("\"first\"", "\"fi?st\"", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;

        Assert.Equal("fuzz.json:2:98: not valid UTF-8 (byte 0xFF); expected a perceptron model file, JSON in UTF-8", Error(bytes));
    }

    [Theory]
    // System.Text.Json decodes a \\u escape for half a surrogate pair only to throw InvalidOperationException.
    [InlineData("\"label\": \"y\"", "\"label\": \"y\\ud800\"", "label is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"1\"]", "\"\\udc00\"]", "classes[1] is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"first\"", "\"\\ud800\\u0041\"", "training.note is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"note\"", "\"\\udc00\"", "training has a property name with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData(
        "\"perceptron-model\"", "\"perceptron-\\ud800\"",
        "format is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected 'perceptron-model'")]
    public void An_unpaired_surrogate_escape_is_a_DataFormatException(string from, string to, string reason)
    {
        Assert.Equal($"fuzz.json: {reason}", Error(from, to));
    }

    [Theory]
    // A property name in a message was shown as it is, line breaks and all.
    [InlineData("\"version\": 1,", "\"version\": 1, \"a\\nb\": 1,",
        "'a\\nb' is not a property of the format; expected only 'format', 'version', 'features', 'label', 'classes', 'standardization', 'layers', 'training'")]
    [InlineData("\"note\"", "\"a\\r\\nb\": [], \"note\"", "training.'a\\r\\nb' is an array; expected a string, a number or a boolean")]
    [InlineData("\"note\"", "\"\\n\": 1e999, \"note\"", "training.'\\n' is 1e999; expected a finite number (it does not fit a double)")]
    [InlineData("\"bias\"", "\"x\\ny\": 1, \"x\\ny\": 2, \"bias\"", "layers[0].'x\\ny' appears twice; expected each property once")]
    public void A_property_name_with_a_line_break_is_quoted(string from, string to, string reason)
    {
        Assert.Equal($"fuzz.json: {reason}", Error(from, to));
    }

    // ---- Cases ---------------------------------------------------------------------------------

    /// <summary>The bytes to read; <see cref="Written"/> (the file as ModelFile.Write wrote it) only when they were not damaged.</summary>
    public sealed record ModelCase(byte[] Bytes, byte[]? Written, string Damage)
    {
        public override string ToString() => $"{Damage}{(Written is null ? "" : " (undamaged)")}: {Fuzz.Escape(Encoding.UTF8.GetString(Bytes), 4000)}";
    }

    private static void Check(ModelCase file, (ModelDocument? Result, DataFormatException? Error) outcome)
    {
        if (outcome.Result is not { } model)
        {
            if (file.Written is not null)
            {
                throw new XunitException($"a file written by ModelFile.Write was refused: {outcome.Error!.Message}");
            }

            return;
        }

        // Whatever was read is a consistent model: it could be written back.
        ModelFile.Validate(model);
        if (file.Written is not null)
        {
            Assert.Equal(Encoding.UTF8.GetString(file.Written), Encoding.UTF8.GetString(Write(model)));
        }
    }

    private static byte[] Write(ModelDocument model)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        ModelFile.Write(path, model);
        return File.ReadAllBytes(path);
    }

    // ---- Valid models ----------------------------------------------------------------------------

    private static readonly string[] Names = ["radius", "texture", "f1", "x y", "é", "\"quoted\"", "back\\slash", "tab\there", "日本"];

    private static Gen<double> Number => Gen.Frequency(
        (6, Gen.Choose(-100_000, 100_000).Select(i => i / 1000.0)),
        (1, Gen.Elements(0.1 + 0.2, 1e-300, 5e-324, -0.0, 1e300, double.MaxValue, 123456789012345678, Math.PI)));

    private static Gen<double[]> Numbers(int count) => Gen.ArrayOf(Number, count);

    private static Gen<double[,]> Matrix(int rows, int columns) =>
        Gen.ArrayOf(Number, rows * columns).Select(values =>
        {
            var matrix = new double[rows, columns];
            Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(double));
            return matrix;
        });

    private static Gen<LayerDocument> Layer(string activation, int units, int inputs) =>
        Matrix(units, inputs).Zip(Numbers(units), (weights, bias) => new LayerDocument(activation, weights, bias));

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct => Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(value => (T?)value)));

    private static Gen<string?> MaybeText(params string[] values) =>
        Gen.Frequency((1, Gen.Constant<string?>(null)), (2, Gen.Elements(values).Select(value => (string?)value)));

    private static Gen<object> ExtraValue => Gen.OneOf(
        Gen.Elements<object>("first try", "", "line\nbreak", true, false),
        Gen.Choose(-1000, 1000).Select(i => (object)i),
        Gen.Choose(-1000, 1000).Select(i => (object)(i * 1_000_003L)),
        Number.Select(x => (object)x));

    private static Gen<TrainingDocument> Training =>
        from epochs in Maybe(Gen.Choose(0, 5000))
        from learningRate in Maybe(Number)
        from optimizer in MaybeText("gd", "adam", "momentum")
        from batchSize in Maybe(Gen.Choose(1, 256))
        from l2 in Maybe(Number)
        from initialization in MaybeText("zeros", "he", "xavier")
        from initScale in Maybe(Number)
        from seed in Maybe(Gen.Choose(int.MinValue, int.MaxValue))
        from hiddenActivation in MaybeText("relu", "tanh")
        from stoppedEarly in Maybe(Gen.Elements(true, false))
        from costs in Gen.Choose(0, 4).SelectMany(Numbers)
        from validationCosts in Gen.Frequency((1, Gen.Constant<double[]?>(null)), (1, Gen.Choose(0, 4).SelectMany(Numbers).Select(x => (double[]?)x)))
        from extraNames in Gen.SubListOf("beta1", "note", "patience", "shuffle", "momentum_", "ünïcode")
        from extraValues in Gen.ArrayOf(ExtraValue, extraNames.Count)
        select new TrainingDocument
        {
            Epochs = epochs,
            LearningRate = learningRate,
            Optimizer = optimizer,
            BatchSize = batchSize,
            L2 = l2,
            Initialization = initialization,
            InitScale = initScale,
            Seed = seed,
            HiddenActivation = hiddenActivation,
            StoppedEarly = stoppedEarly,
            Costs = costs,
            ValidationCosts = validationCosts,
            Extra = extraNames.Zip(extraValues).ToDictionary(pair => pair.First, pair => pair.Second),
        };

    /// <summary>A small valid model: 1-3 features, 2-4 classes, 0-2 hidden layers of 1-3 units.</summary>
    private static Gen<ModelDocument> Model =>
        from names in Gen.Shuffle(Names)
        from features in Gen.Choose(1, 3)
        from classes in Gen.Choose(2, 4)
        from classNames in Gen.Elements<string[]>(["0", "1", "2", "3"], ["setosa", "versicolor", "virginica", "x"], ["no", "yes", "maybe", "ünknown"])
        from hidden in Gen.Choose(0, 2).SelectMany(count => Gen.ArrayOf(Gen.Choose(1, 3), count))
        from activations in Gen.ArrayOf(Gen.Elements(ModelValidation.HiddenActivations.ToArray()), hidden.Length)
        from layers in Layers(features, hidden, activations, classes)
        from standardization in Gen.Frequency(
            (1, Gen.Constant<Standardization?>(null)),
            (2, Numbers(features).Zip(Gen.ArrayOf(Gen.Choose(1, 10_000).Select(i => i / 100.0), features), (mean, std) => (Standardization?)new Standardization(mean, std))))
        from training in Training
        select new ModelDocument
        {
            Features = names.Take(features).ToArray(),
            Label = names[features],
            Classes = classNames.Take(classes).ToArray(),
            Standardization = standardization,
            Layers = layers,
            Training = training,
        };

    private static Gen<LayerDocument[]> Layers(int features, int[] hidden, string[] activations, int classes)
    {
        var units = hidden.Append(classes == 2 ? 1 : classes).ToArray();
        var gens = units.Select((count, l) => Layer(
            l < hidden.Length ? activations[l] : classes == 2 ? "sigmoid" : "softmax",
            count,
            l == 0 ? features : units[l - 1]));
        return Gen.CollectToArray(gens);
    }

    // ---- Damage ----------------------------------------------------------------------------------

    /// <summary>Values of other types, out-of-range numbers and odd strings to put in place of a value (unpaired
    /// surrogate escapes come from <see cref="TextEdit"/>: System.Text.Json.Nodes cannot write them).</summary>
    private static readonly string[] Replacements =
    [
        "null", "true", "false", "0", "-1", "1.5", "2", "1e999", "-1e999", "1e-999", "2147483648", "-2147483649", "1E+400", "99999999999999999999",
        "\"\"", "\" \"", "\"1\"", "\"sigmoid\"", "\"softmax\"", "\"relu\"", "\"perceptron-model\"", "\"\\n\"", "\"a\\nb\"", "\"\\u0000\"",
        "\"\\u2028\"", "[]", "{}", "[[]]", "[1]", "[\"a\"]", "[null]", "{\"a\": 1}", "[1, 2, 3, 4]", "[[1, 2], [3]]",
    ];

    /// <summary>Names for an extra property, some of them known names in the wrong place.</summary>
    private static readonly string[] PropertyNames =
    [
        "extra", "standardisation", "", " ", "format", "version", "weights", "bias", "mean", "costs", "epochs", "a\nb", "a\\nb", "\u2028", "\0",
        "training", "layers",
    ];

    /// <summary>A structural edit of the JSON tree: a value swapped for another type, a property removed or added.</summary>
    private static Gen<Func<JsonNode, JsonNode>> TreeEdit
    {
        get
        {
            var position = Fuzz.Position;
            return Gen.OneOf(
                position.Zip(Gen.Elements(Replacements), (at, json) => Replace(at, _ => JsonNode.Parse(json))),
                position.Select(at => Replace(at, node => node switch
                {
                    JsonObject obj => new JsonArray(obj.Select(pair => pair.Value?.DeepClone()).ToArray()),
                    JsonArray array => new JsonObject(array.Select((item, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), item?.DeepClone()))),
                    JsonValue value when value.GetValueKind() == JsonValueKind.Number => JsonValue.Create(value.ToJsonString()),
                    JsonValue value when value.GetValueKind() == JsonValueKind.String =>
                        double.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(1),
                    _ => JsonValue.Create("x"),
                })),
                position.Select(Remove),
                from at in position
                from name in Gen.Elements(PropertyNames)
                from json in Gen.Elements(Replacements)
                select Add(at, name, json),
                Gen.Elements("2", "0", "\"1\"", "1.0", "1.5", "-1", "1e10", "null", "true", "[1]").Select(json => Set("version", json)),
                Gen.Elements("\"perceptron-modell\"", "\"\"", "\"Perceptron-Model\"", "1", "null").Select(json => Set("format", json)));
        }
    }

    /// <summary>Every node of the tree that has a parent, in document order.</summary>
    private static List<JsonNode> Nodes(JsonNode root)
    {
        var nodes = new List<JsonNode>();
        void Walk(JsonNode node)
        {
            IEnumerable<JsonNode?> children = node switch
            {
                JsonObject obj => obj.Select(pair => pair.Value),
                JsonArray array => array,
                _ => [],
            };
            foreach (var child in children)
            {
                if (child is not null)
                {
                    nodes.Add(child);
                    Walk(child);
                }
            }
        }

        Walk(root);
        return nodes;
    }

    private static Func<JsonNode, JsonNode> Replace(int at, Func<JsonNode, JsonNode?> replacement) => root =>
    {
        var nodes = Nodes(root);
        if (nodes.Count > 0)
        {
            var node = nodes[at % nodes.Count];
            node.ReplaceWith(replacement(node));
        }

        return root;
    };

    private static Func<JsonNode, JsonNode> Remove(int at) => root =>
    {
        var nodes = Nodes(root);
        if (nodes.Count > 0)
        {
            var node = nodes[at % nodes.Count];
            switch (node.Parent)
            {
                case JsonObject parent:
                    parent.Remove(node.GetPropertyName());
                    break;
                case JsonArray parent:
                    parent.RemoveAt(node.GetElementIndex());
                    break;
            }
        }

        return root;
    };

    private static Func<JsonNode, JsonNode> Add(int at, string name, string json) => root =>
    {
        var objects = Nodes(root).OfType<JsonObject>().Prepend((JsonObject)root).ToList();
        objects[at % objects.Count][name] = JsonNode.Parse(json);
        return root;
    };

    private static Func<JsonNode, JsonNode> Set(string name, string json) => root =>
    {
        ((JsonObject)root)[name] = JsonNode.Parse(json);
        return root;
    };

    private static readonly char[] TextCharacters = ['{', '}', '[', ']', ',', ':', '"', '\\', '0', '-', 'e', '.', ' ', '\n', 'x', '\0', '\uFEFF', '\u00E9'];

    private static readonly string[] TextTokens =
    [
        "NaN", "Infinity", "1e999", "-1e400", "null", "true", "\"x\"", "[]", "{}", "\\n", "\\u0000", "\\ud800", "\\udc00", "\\u2028", "\\", "\\x",
        "1.5", "99999999999", ", \"extra\": 1", "\"format\": \"perceptron-model\", ", "/* comment */", "// comment\n", ",", "\"\"",
        new string('[', 70), new string('[', 1000),
    ];

    /// <summary>Text edits: a character or token anywhere or just inside a string, a line duplicated, the text cut short.</summary>
    private static Gen<Func<string, string>> TextEdit => Gen.Frequency(
        (6, Fuzz.TextEdit(TextCharacters, TextTokens)),
        (2, Fuzz.Position.Zip(Gen.Elements(TextTokens.Concat(TextCharacters.Select(c => c.ToString())).ToArray()), AfterQuote)),
        (1, Fuzz.Position.Zip(Gen.Elements("\\ud800", "\\udc00", "\\udbff\\u0041", "\\ud800\\udc00"), AfterQuote)),
        (2, Fuzz.Position.Select<int, Func<string, string>>(at => text =>
        {
            var lines = text.Split('\n').ToList();
            var i = at % lines.Count;
            lines.Insert(i, lines[i]);
            return string.Join('\n', lines);
        })));

    /// <summary>Inserts <paramref name="token"/> just after a quote: inside a property name or a string value, or just after one.</summary>
    private static Func<string, string> AfterQuote(int at, string token) => text =>
    {
        var quotes = Enumerable.Range(0, text.Length).Where(i => text[i] == '"').ToArray();
        return quotes.Length == 0 ? text : text.Insert(quotes[at % quotes.Length] + 1, token);
    };

    /// <summary>
    /// Valid models as ModelFile.Write writes them. Made once, from a fixed seed: writing syncs the file to
    /// disk, slow enough to dominate the run if every case wrote its own model.
    /// </summary>
    private static readonly Lazy<byte[][]> WrittenModels = new(() => Gen.Sample(Model, 100, new Rnd(20_250_101), 10).Select(Write).ToArray());

    /// <summary>A model file damaged mostly in one way at a time (a bad byte hides all else): its tree, its text or its bytes.</summary>
    private static Gen<ModelCase> DamagedModel =>
        from index in Gen.Choose(0, 99)
        from kind in Gen.Frequency(
            (1, Gen.Constant("none")), (8, Gen.Constant("tree")), (6, Gen.Constant("text")), (4, Gen.Constant("bytes")), (1, Gen.Constant("all")))
        from treeEdits in kind is "tree" or "all" ? Fuzz.SomeEdits(TreeEdit, 3) : Gen.Constant(Array.Empty<Func<JsonNode, JsonNode>>())
        from textEdits in kind is "text" or "all" ? Fuzz.SomeEdits(TextEdit, 3) : Gen.Constant(Array.Empty<Func<string, string>>())
        from byteEdits in kind is "bytes" or "all" ? Fuzz.SomeEdits(Fuzz.ByteEdit, 2) : Gen.Constant(Array.Empty<Func<byte[], byte[]>>())
        let written = WrittenModels.Value[index]
        let tree = treeEdits.Length == 0 ? written : Encoding.UTF8.GetBytes(Fuzz.ApplyAll(JsonNode.Parse(written)!, treeEdits).ToJsonString(Indented))
        let text = textEdits.Length == 0 ? tree : Encoding.UTF8.GetBytes(Fuzz.ApplyAll(Encoding.UTF8.GetString(tree), textEdits))
        let bytes = Fuzz.ApplyAll(text, byteEdits)
        select new ModelCase(
            bytes,
            treeEdits.Length + textEdits.Length + byteEdits.Length == 0 ? written : null,
            $"model {index}, {treeEdits.Length} tree, {textEdits.Length} text, {byteEdits.Length} byte edits");

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
