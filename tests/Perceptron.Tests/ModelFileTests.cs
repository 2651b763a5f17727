// ModelFile: round trips, the exact message for each kind of bad model file, and the atomic write.

using System.Text;
using Xunit;

namespace Perceptron.Tests;

public class ModelFileTests
{
    // ---- Sample models -------------------------------------------------------------------

    /// <summary>A logistic-regression perceptron: 3 features, one sigmoid unit.</summary>
    private static ModelDocument Perceptron() => new()
    {
        Features = ["radius", "texture", "area"],
        Label = "malignant",
        Classes = ["0", "1"],
        Standardization = new Standardization([14.1, 19.3, 654.9], [3.5, 4.3, 351.9]),
        Layers = [new LayerDocument("sigmoid", new double[,] { { 0.5, -1.25, 2 } }, [-0.75])],
        Training = new TrainingDocument
        {
            Epochs = 2000,
            LearningRate = 0.5,
            Optimizer = "gd",
            Initialization = "zeros",
            Seed = 42,
            StoppedEarly = false,
            Costs = [0.693, 0.25, 0.125],
        },
    };

    /// <summary>A softmax MLP: 4 features, a hidden layer of 16 relu units, 4 classes.</summary>
    private static ModelDocument Mlp()
    {
        var random = new Random(7);
        double[,] Matrix(int rows, int columns)
        {
            var matrix = new double[rows, columns];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    matrix[i, j] = random.NextDouble() * 2 - 1;
                }
            }

            return matrix;
        }

        return new ModelDocument
        {
            Features = ["f1", "f2", "f3", "f4"],
            Label = "species",
            Classes = ["setosa", "versicolor", "virginica", "other"],
            Layers =
            [
                new LayerDocument("relu", Matrix(16, 4), Enumerable.Range(0, 16).Select(i => i / 10.0).ToArray()),
                new LayerDocument("softmax", Matrix(4, 16), [0.1, 0.2, 0.3, 0.4]),
            ],
            Training = new TrainingDocument
            {
                Epochs = 300,
                LearningRate = 0.01,
                Optimizer = "adam",
                BatchSize = 32,
                L2 = 1e-4,
                Initialization = "he",
                InitScale = 1,
                Seed = 1,
                HiddenActivation = "relu",
                StoppedEarly = true,
                Costs = [1.4, 0.9],
                ValidationCosts = [1.5, 1.0],
                Extra = new Dictionary<string, object> { ["beta1"] = 0.9, ["note"] = "first try", ["shuffle"] = true, ["patience"] = 10 },
            },
        };
    }

    private static ModelDocument Parse(string json) =>
        ModelFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "model.json");

    private static string Error(string json) => Assert.Throws<DataFormatException>(() => Parse(json)).Message;

    /// <summary>The JSON of the perceptron with one edit: <paramref name="from"/> (which must occur once) replaced.</summary>
    private static string PerceptronJson(string from, string to)
    {
        var json = ToJson(Perceptron());
        Assert.Equal(2, json.Split(from).Length);
        return json.Replace(from, to, StringComparison.Ordinal);
    }

    private static string ToJson(ModelDocument model)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        ModelFile.Write(path, model);
        return File.ReadAllText(path);
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static long[] Bits(double[,] values) => Bits(values.Cast<double>());

    // ---- Round trips ---------------------------------------------------------------------

    [Fact]
    public void A_perceptron_round_trips()
    {
        var model = Perceptron();

        var read = Parse(ToJson(model));

        Assert.Equal(model.Features, read.Features);
        Assert.Equal(model.Label, read.Label);
        Assert.Equal(model.Classes, read.Classes);
        Assert.Equal(model.Standardization!.Mean, read.Standardization!.Mean);
        Assert.Equal(model.Standardization.Std, read.Standardization.Std);
        var layer = Assert.Single(read.Layers);
        Assert.Equal("sigmoid", layer.Activation);
        Assert.Equal((1, 3), (layer.Units, layer.Inputs));
        Assert.Equal(model.Layers[0].Weights, layer.Weights);
        Assert.Equal(model.Layers[0].Bias, layer.Bias);
        Assert.Equal(model.Training.Costs, read.Training.Costs);
        Assert.Equal(model.Training with { Costs = read.Training.Costs, Extra = read.Training.Extra }, read.Training);
        Assert.Empty(read.Training.Extra);
        Assert.Null(read.Training.ValidationCosts);
    }

    [Fact]
    public void A_softmax_mlp_round_trips_with_every_training_setting()
    {
        var model = Mlp();

        var read = Parse(ToJson(model));

        Assert.Null(read.Standardization);
        Assert.Equal(["relu", "softmax"], read.Layers.Select(layer => layer.Activation));
        for (var l = 0; l < 2; l++)
        {
            Assert.Equal(Bits(model.Layers[l].Weights), Bits(read.Layers[l].Weights));
            Assert.Equal(Bits(model.Layers[l].Bias), Bits(read.Layers[l].Bias));
        }

        var training = read.Training;
        Assert.Equal(
            (300, 0.01, "adam", 32, 1e-4, "he", 1.0, 1, "relu", true),
            (training.Epochs, training.LearningRate, training.Optimizer, training.BatchSize, training.L2, training.Initialization,
                training.InitScale, training.Seed, training.HiddenActivation, training.StoppedEarly));
        Assert.Equal([1.4, 0.9], training.Costs);
        Assert.Equal([1.5, 1.0], training.ValidationCosts!);
        // Numbers in Extra come back as doubles.
        Assert.Equal(
            new Dictionary<string, object> { ["beta1"] = 0.9, ["note"] = "first try", ["shuffle"] = true, ["patience"] = 10.0 },
            training.Extra);
    }

    [Fact]
    public void Doubles_round_trip_bit_for_bit()
    {
        double[] awkward =
        [
            0.1 + 0.2, 1e-300, -1e-300, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue,
            1.0 / 3, Math.PI, Math.E, 1e21, 1e-7, 123456789012345678, 2.5e-308, 0.0, -0.0, 1, -1,
        ];
        var random = new Random(12345);
        var values = awkward.Concat(Enumerable.Range(0, 2000).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)))).ToArray();
        var model = Perceptron() with
        {
            Features = values.Select((_, i) => $"f{i}").ToArray(),
            Standardization = null,
            Layers = [new LayerDocument("sigmoid", To2D(values), [0.1 + 0.2])],
            Training = new TrainingDocument { Costs = values, LearningRate = 0.1 + 0.2 },
        };

        var read = Parse(ToJson(model));

        Assert.Equal(Bits(values), Bits(read.Layers[0].Weights));
        Assert.Equal(Bits(values), Bits(read.Training.Costs));
        Assert.Equal(0.1 + 0.2, read.Training.LearningRate);
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.1 + 0.2), BitConverter.DoubleToInt64Bits(read.Layers[0].Bias[0]));

        static double[,] To2D(double[] row)
        {
            var matrix = new double[1, row.Length];
            for (var j = 0; j < row.Length; j++)
            {
                matrix[0, j] = row[j];
            }

            return matrix;
        }
    }

    [Fact]
    public void The_file_is_readable_json_with_one_line_per_weight_row_and_the_same_bytes_each_time()
    {
        var json = ToJson(Mlp());

        Assert.StartsWith("{\n  \"format\": \"perceptron-model\",\n  \"version\": 1,\n  \"features\": [\"f1\", \"f2\", \"f3\", \"f4\"],\n", json);
        Assert.Contains("  \"standardization\": null,\n", json);
        Assert.Equal(16 + 4, json.Split('\n').Count(line => line.StartsWith("        [", StringComparison.Ordinal)));
        Assert.Contains("    \"note\": \"first try\",\n", json);
        Assert.Equal(json, ToJson(Mlp()));
        using var document = System.Text.Json.JsonDocument.Parse(json);
    }

    [Fact]
    public void Names_with_quotes_and_non_ascii_letters_round_trip()
    {
        var model = Perceptron() with { Features = ["température", "say \"hi\"", "back\\slash\ttab"] };

        var json = ToJson(model);

        Assert.Contains("\"température\"", json);
        Assert.Equal(model.Features, Parse(json).Features);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ToJson(Perceptron()))).ToArray();

        Assert.Equal("malignant", ModelFile.Read(new MemoryStream(bytes), "model.json").Label);
    }

    /// <summary>The smallest valid model, with <paramref name="more"/> top-level properties added.</summary>
    private static string Minimal(string more = "") => $$"""
        {"format": "perceptron-model", "version": 1, "features": ["a"], "label": "y", "classes": ["no", "yes"],
         "layers": [{"activation": "sigmoid", "weights": [[1.5]], "bias": [0]}]{{more}}}
        """;

    [Fact]
    public void Standardization_and_training_may_be_left_out_or_null()
    {
        foreach (var json in new[] { Minimal(), Minimal(", \"standardization\": null, \"training\": null") })
        {
            var model = Parse(json);
            Assert.Null(model.Standardization);
            Assert.Empty(model.Training.Costs);
            Assert.Null(model.Training.Epochs);
            Assert.Empty(model.Training.Extra);
        }
    }

    // ---- Files that are not JSON ---------------------------------------------------------

    [Fact]
    public void Invalid_json_is_reported_at_its_line_and_column()
    {
        var error = Assert.Throws<DataFormatException>(() => Parse("{\"format\": \"perceptron-model\",\n  \"version\" 1}"));

        Assert.Equal("model.json:2:13: not valid JSON ('1' is invalid after a property name. Expected a ':'); expected a perceptron model file", error.Message);
        Assert.Equal((2, 13), (error.Line, error.Column));
    }

    [Fact]
    public void A_trailing_comma_is_invalid_json()
    {
        Assert.Equal(
            "model.json:1:19: not valid JSON (The JSON array contains a trailing comma at the end which is not supported in this mode); "
            + "expected a perceptron model file",
            Error("{\"features\": [\"a\",]}"));
    }

    [Fact]
    public void A_truncated_file_is_invalid_json()
    {
        var json = ToJson(Perceptron());

        var message = Error(json[..(json.Length / 2)]);

        Assert.StartsWith("model.json:", message);
        Assert.Contains(": not valid JSON (", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void An_empty_file(string json)
    {
        Assert.Equal("model.json: the file is empty; expected a perceptron model (JSON)", Error(json));
    }

    // ---- Files that are JSON but not a model ---------------------------------------------

    [Theory]
    [InlineData("[1, 2]", "model.json: the file holds an array; expected a JSON object, a perceptron model")]
    [InlineData("{\"name\": \"x\"}", "model.json: format is missing; expected 'perceptron-model' (is this a perceptron model file?)")]
    [InlineData("{\"format\": \"keras\"}", "model.json: format is 'keras'; expected 'perceptron-model'")]
    [InlineData("{\"format\": 1}", "model.json: format is 1; expected 'perceptron-model'")]
    [InlineData("{\"format\": \"perceptron-model\"}", "model.json: version is missing; expected 1")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": 2}", "model.json: version is 2; expected 1, the version this perceptron reads (the file was written by a newer perceptron)")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": \"1\"}", "model.json: version is '1'; expected 1, the version this perceptron reads")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": 0}", "model.json: version is 0; expected 1, the version this perceptron reads")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": 1, \"format\": \"x\"}", "model.json: format appears twice; expected each property once")]
    [InlineData("{\"format\": \"perceptron-model\", \"version\": 1}", "model.json: features is missing; expected an array of feature names")]
    public void Json_that_is_not_a_model(string json, string message)
    {
        Assert.Equal(message, Error(json));
    }

    // ---- Bad models: each edit of a valid file breaks one rule ---------------------------

    [Theory]
    [InlineData("\"standardization\":", "\"standardisation\":",
        "standardisation is not a property of the format; expected only 'format', 'version', 'features', 'label', 'classes', 'standardization', 'layers', 'training'")]
    [InlineData("\"features\": [\"radius\", \"texture\", \"area\"]", "\"features\": \"radius\"", "features is a string ('radius'); expected an array of strings")]
    [InlineData("\"features\": [\"radius\", \"texture\", \"area\"]", "\"features\": [\"radius\", 7, \"area\"]", "features[1] is a number (7); expected a string")]
    [InlineData("\"features\": [\"radius\", \"texture\", \"area\"]", "\"features\": [\"radius\", \"radius\", \"area\"]", "features[1] 'radius' repeats features[0]; expected distinct values")]
    [InlineData("\"features\": [\"radius\", \"texture\", \"area\"]", "\"features\": [\"radius\", \"\", \"area\"]", "features[1] is empty; expected a feature name")]
    [InlineData("\"features\": [\"radius\", \"texture\", \"area\"]", "\"features\": []", "features is empty; expected at least one feature name")]
    [InlineData("\"label\": \"malignant\",", "", "label is missing; expected the name of the label column")]
    [InlineData("\"label\": \"malignant\"", "\"label\": null", "label is null; expected a string")]
    [InlineData("\"label\": \"malignant\"", "\"label\": \"area\"", "label 'area' is also features[2]; expected a label column apart from the features")]
    [InlineData("\"classes\": [\"0\", \"1\"]", "\"classes\": [\"0\"]", "classes has 1 value; expected at least 2")]
    [InlineData("\"classes\": [\"0\", \"1\"]", "\"classes\": [\"0\", \"0\"]", "classes[1] '0' repeats classes[0]; expected distinct values")]
    [InlineData("\"mean\": [14.1, 19.3, 654.9]", "\"mean\": [14.1, 19.3]", "standardization.mean has 2 values; expected 3 (one per feature)")]
    [InlineData("\"std\": [3.5, 4.3, 351.9]", "\"std\": [3.5, 0, 351.9]", "standardization.std[1] is 0; expected a positive number")]
    [InlineData("\"std\": [3.5, 4.3, 351.9]", "\"std\": [3.5, -4.3, 351.9]", "standardization.std[1] is -4.3; expected a positive number")]
    [InlineData("\"std\": [3.5, 4.3, 351.9]", "\"stdev\": [3.5, 4.3, 351.9]", "standardization.stdev is not a property of the format; expected only 'mean', 'std'")]
    [InlineData("\"activation\": \"sigmoid\"", "\"activation\": \"swish\"", "layers[0].activation is 'swish'; expected 'sigmoid' for the output layer of a 2-class model")]
    [InlineData("\"activation\": \"sigmoid\"", "\"activation\": \"softmax\"", "layers[0].activation is 'softmax'; expected 'sigmoid' for the output layer of a 2-class model")]
    [InlineData("\"activation\": \"sigmoid\",", "", "layers[0].activation is missing; expected the name of an activation")]
    [InlineData("[0.5, -1.25, 2]", "[0.5, -1.25]", "layers[0].weights[0] has 2 values; expected 3 (one per feature)")]
    [InlineData("[0.5, -1.25, 2]", "[0.5, \"-1.25\", 2]", "layers[0].weights[0][1] is a string ('-1.25'); expected a number")]
    [InlineData("[0.5, -1.25, 2]", "[0.5, 1e999, 2]", "layers[0].weights[0][1] is 1e999; expected a finite number (it does not fit a double)")]
    [InlineData("[0.5, -1.25, 2]", "[0.5, null, 2]", "layers[0].weights[0][1] is null; expected a number")]
    [InlineData("[0.5, -1.25, 2]\n      ],", "[0.5, -1.25, 2],\n        [1, 2, 3]\n      ],", "layers[0] has 2 units; expected 1 (the output layer of a 2-class model)")]
    [InlineData("\"weights\": [\n        [0.5, -1.25, 2]\n      ]", "\"weights\": []", "layers[0].weights is empty; expected one row per unit")]
    [InlineData("\"weights\": [\n        [0.5, -1.25, 2]\n      ]", "\"weights\": [0.5, -1.25, 2]", "layers[0].weights[0] is a number (0.5); expected an array of numbers")]
    [InlineData("\"bias\": [-0.75]", "\"bias\": [-0.75, 1]", "layers[0].bias has 2 values; expected 1 (one per unit)")]
    [InlineData("\"bias\": [-0.75]", "\"bias\": [-0.75], \"dropout\": 0.5", "layers[0].dropout is not a property of the format; expected only 'activation', 'weights', 'bias'")]
    [InlineData("\"epochs\": 2000", "\"epochs\": 2000.5", "training.epochs is 2000.5; expected a whole number")]
    [InlineData("\"epochs\": 2000", "\"epochs\": -1", "training.epochs is -1; expected a number of epochs, 0 or more")]
    [InlineData("\"learningRate\": 0.5", "\"learningRate\": \"fast\"", "training.learningRate is a string ('fast'); expected a number")]
    [InlineData("\"stoppedEarly\": false", "\"stoppedEarly\": 0", "training.stoppedEarly is a number (0); expected true or false")]
    [InlineData("\"costs\": [0.693, 0.25, 0.125]", "\"costs\": [0.693, \"NaN\", 0.125]", "training.costs[1] is a string ('NaN'); expected a number")]
    [InlineData("\"costs\": [0.693, 0.25, 0.125]", "\"costs\": [0.693, 0.25, 0.125], \"notes\": [1, 2]", "training.notes is an array; expected a string, a number or a boolean")]
    [InlineData("\"costs\": [0.693, 0.25, 0.125]", "\"costs\": [0.693, 0.25, 0.125], \"schedule\": [1, 2]", "training.schedule is an array; expected a string")]
    [InlineData("\"costs\": [0.693, 0.25, 0.125]", "\"costs\": [0.693, 0.25, 0.125], \"schedule\": \"step:0:0.5\"", "training.schedule is 'step:0:0.5': step EVERY is 0; expected a whole number of epochs >= 1")]
    [InlineData("\"costs\": [0.693, 0.25, 0.125]", "\"costs\": [0.693, 0.25, 0.125], \"warmup\": -1", "training.warmup is -1; expected a number of epochs, 0 or more")]
    public void A_broken_perceptron(string from, string to, string message)
    {
        Assert.Equal($"model.json: {message}", Error(PerceptronJson(from, to)));
    }

    [Fact]
    public void A_ragged_weight_row_of_a_later_layer_names_the_layer_it_must_match()
    {
        // Row 3 of the output layer loses 9 of its 16 weights.
        var json = ToJson(Mlp());
        var rows = json.Split('\n').ToList();
        var outputRows = rows.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("        [", StringComparison.Ordinal)).Skip(16).ToList();
        var (row3, at) = outputRows[3];
        var values = row3.Trim().TrimEnd(',').Trim('[', ']').Split(", ");
        rows[at] = $"        [{string.Join(", ", values.Take(7))}]{(row3.EndsWith(',') ? "," : "")}";

        Assert.Equal("model.json: layers[1].weights[3] has 7 values; expected 16 (the units of layers[0])", Error(string.Join('\n', rows)));
    }

    [Theory]
    [InlineData("\"activation\": \"relu\"", "\"activation\": \"swish\"", "layers[0].activation is 'swish'; expected one of 'sigmoid', 'tanh', 'relu', 'leaky_relu' for a hidden layer")]
    [InlineData("\"activation\": \"relu\"", "\"activation\": \"softmax\"", "layers[0].activation is 'softmax'; expected one of 'sigmoid', 'tanh', 'relu', 'leaky_relu' for a hidden layer")]
    [InlineData("\"activation\": \"softmax\"", "\"activation\": \"sigmoid\"", "layers[1].activation is 'sigmoid'; expected 'softmax' for the output layer of a 4-class model")]
    [InlineData("\"classes\": [\"setosa\", \"versicolor\", \"virginica\", \"other\"]", "\"classes\": [\"setosa\", \"versicolor\", \"virginica\"]", "layers[1] has 4 units; expected 3 (the output layer of a 3-class model)")]
    [InlineData("\"bias\": [0.1, 0.2, 0.3, 0.4]", "\"bias\": [0.1, 0.2, 0.3]", "layers[1].bias has 3 values; expected 4 (one per unit)")]
    [InlineData("\"validationCosts\": [1.5, 1]", "\"validationCosts\": [1.5, true]", "training.validationCosts[1] is true; expected a number")]
    [InlineData("\"note\": \"first try\"", "\"note\": null", null)]
    public void A_broken_mlp(string from, string to, string? message)
    {
        var json = ToJson(Mlp());
        Assert.Equal(2, json.Split(from).Length);
        json = json.Replace(from, to, StringComparison.Ordinal);

        if (message is null)
        {
            Assert.False(Parse(json).Training.Extra.ContainsKey("note"));
        }
        else
        {
            Assert.Equal($"model.json: {message}", Error(json));
        }
    }

    [Theory]
    [InlineData(", \"standardization\": []", "standardization is an array; expected an object with mean and std, or null")]
    [InlineData(", \"training\": 3", "training is a number (3); expected an object")]
    [InlineData(", \"training\": {\"costs\": null, \"epochs\": null}", null)]
    public void Optional_parts_of_the_wrong_type(string more, string? message)
    {
        if (message is null)
        {
            Assert.Empty(Parse(Minimal(more)).Training.Costs);
        }
        else
        {
            Assert.Equal($"model.json: {message}", Error(Minimal(more)));
        }
    }

    [Fact]
    public void A_model_without_layers()
    {
        Assert.Equal("model.json: layers is empty; expected at least one layer", Error(PerceptronJson(
            "\"layers\": [\n    {\n      \"activation\": \"sigmoid\",\n      \"weights\": [\n        [0.5, -1.25, 2]\n      ],\n      \"bias\": [-0.75]\n    }\n  ]",
            "\"layers\": []")));
    }

    // ---- Files that cannot be read -------------------------------------------------------

    [Fact]
    public void A_missing_model_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");

        Assert.Equal($"{path}: no such file; expected a perceptron model file", Assert.Throws<FileNotFoundException>(() => ModelFile.Read(path)).Message);
    }

    [Fact]
    public void A_directory_instead_of_a_model_file()
    {
        using var scratch = new ScratchDirectory();

        Assert.Equal(
            $"{scratch.Directory}: is a directory; expected a perceptron model file",
            Assert.Throws<IOException>(() => ModelFile.Read(scratch.Directory)).Message);
    }

    [Fact]
    public void A_bad_model_file_on_disk_is_named_as_given()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        File.WriteAllText(path, "{\"format\": \"keras\"}");

        var error = Assert.Throws<DataFormatException>(() => ModelFile.Read(path));

        Assert.Equal($"{path}: format is 'keras'; expected 'perceptron-model'", error.Message);
        Assert.Equal(path, error.File);
        Assert.Null(error.Line);
    }

    // ---- Validation of documents in memory -----------------------------------------------

    [Fact]
    public void Validate_accepts_the_sample_models()
    {
        ModelFile.Validate(Perceptron());
        ModelFile.Validate(Mlp());
    }

    [Fact]
    public void Validate_names_a_NaN_weight()
    {
        var model = Perceptron() with { Layers = [new LayerDocument("sigmoid", new double[,] { { 0.5, double.NaN, 2 } }, [0])] };

        var error = Assert.Throws<ArgumentException>(() => ModelFile.Validate(model));

        Assert.Equal("Invalid model: layers[0].weights[0][1] is NaN; expected a finite number. (Parameter 'model')", error.Message);
        Assert.Equal("model", error.ParamName);
    }

    [Fact]
    public void Validate_names_a_shape_mismatch_between_layers()
    {
        var model = Mlp() with { Layers = [Mlp().Layers[0], new LayerDocument("softmax", new double[4, 15], new double[4])] };

        Assert.StartsWith(
            "Invalid model: layers[1].weights has 15 columns; expected 16 (the units of layers[0]).",
            Assert.Throws<ArgumentException>(() => ModelFile.Validate(model)).Message);
    }

    [Fact]
    public void Validate_refuses_missing_parts_and_odd_extra_settings()
    {
        Assert.Contains("features is missing", Assert.Throws<ArgumentException>(() => ModelFile.Validate(Perceptron() with { Features = null! })).Message);
        Assert.Contains("training.costs[0] is Infinity", Assert.Throws<ArgumentException>(
            () => ModelFile.Validate(Perceptron() with { Training = new() { Costs = [double.PositiveInfinity] } })).Message);
        Assert.Contains("training.when is a DateTime; expected a string, a number (double, int or long) or a boolean", Assert.Throws<ArgumentException>(
            () => ModelFile.Validate(Perceptron() with { Training = new() { Extra = new Dictionary<string, object> { ["when"] = DateTime.UnixEpoch } } })).Message);
        Assert.Contains("training.epochs is in Extra", Assert.Throws<ArgumentException>(
            () => ModelFile.Validate(Perceptron() with { Training = new() { Extra = new Dictionary<string, object> { ["epochs"] = 3 } } })).Message);
    }

    // ---- Atomic writes -------------------------------------------------------------------

    [Fact]
    public void Write_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        File.WriteAllText(path, "old");

        ModelFile.Write(path, Perceptron());

        Assert.Equal("malignant", ModelFile.Read(path).Label);
        Assert.Equal(["model.json"], Directory.GetFileSystemEntries(scratch.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public void An_invalid_model_is_not_written()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        ModelFile.Write(path, Mlp());
        var before = File.ReadAllBytes(path);
        var broken = Perceptron() with { Layers = [new LayerDocument("sigmoid", new double[,] { { 0.5, double.NaN, 2 } }, [0])] };

        Assert.Throws<ArgumentException>(() => ModelFile.Write(path, broken));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.json"], Directory.GetFileSystemEntries(scratch.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_that_fails_half_way_leaves_the_previous_file_untouched()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        ModelFile.Write(path, Perceptron());
        var before = File.ReadAllBytes(path);
        var size = ToJson(Mlp()).Length;
        FailingStream? failing = null;

        var error = Assert.Throws<IOException>(
            () => ModelFile.Write(path, Mlp(), stream => failing = new FailingStream(stream, size / 2, () => new IOException("No space left on device."))));

        Assert.Equal($"{path}: cannot be accessed (No space left on device); expected a writable path for the model file", error.Message);
        Assert.Equal(size / 2, failing!.Written); // It did fail half-way, not before writing.
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.json"], Directory.GetFileSystemEntries(scratch.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_that_fails_with_a_bug_rethrows_it_and_cleans_up()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");

        Assert.Throws<InvalidOperationException>(
            () => ModelFile.Write(path, Mlp(), stream => new FailingStream(stream, 100, () => new InvalidOperationException("bug"))));

        Assert.Empty(Directory.GetFileSystemEntries(scratch.Directory));
    }

    [Fact]
    public void Writing_into_a_missing_directory_or_onto_a_directory_is_an_IO_exception_naming_the_path()
    {
        using var scratch = new ScratchDirectory();
        var missing = scratch.Path("nowhere/model.json");

        Assert.Equal(
            $"{missing}: no such directory; expected a writable path for the model file",
            Assert.Throws<DirectoryNotFoundException>(() => ModelFile.Write(missing, Perceptron())).Message);
        Assert.Equal(
            $"{scratch.Directory}: is a directory; expected the path of the model file to write",
            Assert.Throws<IOException>(() => ModelFile.Write(scratch.Directory, Perceptron())).Message);
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Directory));
    }

    /// <summary>Passes writes through until <c>limit</c> bytes, writes up to the limit, then throws.</summary>
    private sealed class FailingStream(Stream inner, int limit, Func<Exception> failure) : Stream
    {
        public int Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var allowed = Math.Min(buffer.Length, limit - Written);
            inner.Write(buffer[..allowed]);
            Written += allowed;
            if (allowed < buffer.Length)
            {
                throw failure();
            }
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
