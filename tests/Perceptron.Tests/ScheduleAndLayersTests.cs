// Learning-rate schedules and per-layer activations through the facade and the console host: options,
// their checks, the model file, evaluate, and the wine data set (tests/data, not used elsewhere) trained
// with --hidden 16:relu,8:tanh under every schedule.

using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Perceptron.Tests;

public sealed class ScheduleAndLayersTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Folder => _scratch.Directory;

    public void Dispose() => _scratch.Dispose();

    private static string Wine => RepositoryFiles.Path("tests/data/wine.csv");

    private Task<CliResult> Run(params string[] args) => CliHost.RunAsync(Folder, args);

    private static CliResult Succeeded(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stderr.Length == 0, result.ToString());
        return result;
    }

    private static (double[,] Features, int[] Labels) Wine3()
    {
        var table = Table.Load(Wine);
        return (table.Features, table.EncodeLabels(Table.Classes(table.Labels)));
    }

    [Fact]
    public void The_schedule_factories_give_the_cores_factors_and_text()
    {
        var step = LearningRateSchedule.Step(10, 0.5);
        Assert.Equal("step", step.Name);
        Assert.Equal("step:10:0.5", step.Text);
        Assert.Equal(1.0, step.Factor(9, 100));
        Assert.Equal(0.5, step.Factor(10, 100));
        Assert.Equal(0.9 * 0.9, LearningRateSchedule.Exponential(0.9).Factor(2, 100));
        Assert.Equal(0.1, LearningRateSchedule.Cosine(0.1).Factor(100, 100));
        Assert.Equal("cosine:0", LearningRateSchedule.Cosine().Text);
        var warm = LearningRateSchedule.Constant.WithWarmup(4);
        Assert.Equal(0.25, warm.Factor(0, 100));
        Assert.Equal("constant, warm-up 4", warm.ToString());
        Assert.Equal(step, LearningRateSchedule.Parse("STEP:10:0.5"));
        Assert.NotEqual(LearningRateSchedule.Constant, warm);
    }

    [Theory]
    [InlineData("every", "step EVERY is 0; expected a whole number of epochs >= 1.")]
    [InlineData("factor", "step FACTOR is 1.5; expected a number in (0, 1].")]
    [InlineData("gamma", "exponential GAMMA is 0; expected a number in (0, 1].")]
    [InlineData("floor", "cosine FLOOR is -1; expected a fraction of the learning rate in [0, 1].")]
    [InlineData("Warmup", "warm-up is -2 epochs; expected a whole number >= 0.")]
    public void Bad_schedule_values_are_refused_naming_the_parameter(string parameter, string message)
    {
        Action make = parameter switch
        {
            "every" => () => LearningRateSchedule.Step(0, 0.5),
            "factor" => () => LearningRateSchedule.Step(3, 1.5),
            "gamma" => () => LearningRateSchedule.Exponential(0),
            "floor" => () => LearningRateSchedule.Cosine(-1),
            _ => () => LearningRateSchedule.Constant.WithWarmup(-2),
        };

        var e = Assert.Throws<ArgumentOutOfRangeException>(make);
        Assert.Equal(parameter, e.ParamName);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_constant_schedule_and_one_that_never_decays_train_bit_for_bit_as_no_schedule()
    {
        var (x, y) = Wine3();
        var options = new TrainingOptions { HiddenLayers = [6], Epochs = 30, LearningRate = 0.1, BatchSize = 32, Seed = 3 };

        var plain = Classifier.Train(x, y, options);
        var constant = Classifier.Train(x, y, options with { Schedule = LearningRateSchedule.Constant });
        var never = Classifier.Train(x, y, options with { Schedule = LearningRateSchedule.Step(1000, 0.5) });
        var decayed = Classifier.Train(x, y, options with { Schedule = LearningRateSchedule.Exponential(0.9) });

        Assert.True(SyntheticData.BitIdentical(plain.Costs, constant.Costs));
        Assert.True(SyntheticData.BitIdentical(plain.Costs, never.Costs));
        Assert.False(SyntheticData.BitIdentical(plain.Costs, decayed.Costs));
    }

    [Fact]
    public void Layers_give_each_hidden_layer_its_activation_and_round_trip_through_the_model_file()
    {
        var (x, y) = Wine3();
        var options = new TrainingOptions
        {
            Layers = [new HiddenLayer(5, Activation.Relu), new HiddenLayer(4, Activation.Tanh)],
            Epochs = 20,
            Schedule = LearningRateSchedule.Step(5, 0.5).WithWarmup(2),
        };

        var model = Classifier.Train(x, y, options);
        Assert.Equal(["relu", "tanh", "softmax"], model.Layers.Select(l => l.Activation));
        Assert.Equal([5, 4, 3], model.Layers.Select(l => l.Units));
        // Mixed activations: one initialisation for the network, He only when every layer is ReLU-like.
        Assert.Equal(Initialization.Xavier, options.EffectiveInitialization);
        Assert.Equal(Initialization.He, (options with { Layers = [new HiddenLayer(5, Activation.Relu)] }).EffectiveInitialization);

        var path = Path.Combine(Folder, "model.json");
        model.Save(path);
        var json = CliFiles.ReadJson(path);
        var training = json.GetProperty("training");
        Assert.Equal("step:5:0.5", training.GetProperty("schedule").GetString());
        Assert.Equal(2, training.GetProperty("warmup").GetInt32());
        Assert.False(training.TryGetProperty("hiddenActivation", out _), "one hidden activation recorded for layers that differ");

        var loaded = Classifier.Load(path);
        Assert.Equal(model.Layers.Select(l => l.Activation), loaded.Layers.Select(l => l.Activation));
        Assert.Equal(options.Schedule, loaded.Options!.Schedule);
        Assert.Equal(options.Layers, loaded.Options.Layers);
        Assert.Equal(model.Predict(x), loaded.Predict(x));
    }

    [Fact]
    public void An_old_model_file_loads_with_the_constant_schedule_and_no_layers()
    {
        // A file of the format before schedules: an optimizer and a learning rate, no schedule or warm-up.
        var old = CliFiles.SmallModel.Replace("\n}", ",\n\"training\": {\"optimizer\": \"gd\", \"learningRate\": 0.5, \"epochs\": 10}\n}", StringComparison.Ordinal);
        var loaded = Classifier.Load(CliFiles.Write(Folder, "old.json", old));
        Assert.NotNull(loaded.Options);
        Assert.Equal(LearningRateSchedule.Constant, loaded.Options.Schedule);
        Assert.Null(loaded.Options.Layers);
        Assert.Null(loaded.ToDocument().Training.Schedule);
        Assert.Null(loaded.ToDocument().Training.Warmup);
    }

    [Fact]
    public void Layers_and_HiddenLayers_that_disagree_are_refused_naming_both()
    {
        var (x, y) = Wine3();
        var options = new TrainingOptions { HiddenLayers = [8], Layers = [new HiddenLayer(16, Activation.Relu)] };

        var e = Assert.Throws<ArgumentException>(() => Classifier.Train(x, y, options));
        Assert.Equal("Layers", e.ParamName);
        Assert.Contains("Layers has widths [16] but HiddenLayers has [8]", e.Message, StringComparison.Ordinal);

        // The same widths in both are consistent.
        var same = Classifier.Train(x, y, options with { HiddenLayers = [16], Epochs = 2 });
        Assert.Equal("relu", same.Layers[0].Activation);
    }

    [Fact]
    public void Warm_starting_continues_the_schedule_from_the_recorded_epochs()
    {
        var (x, y) = Wine3();
        var options = new TrainingOptions { HiddenLayers = [6], Epochs = 6, LearningRate = 0.2, Schedule = LearningRateSchedule.Step(2, 0.5).WithWarmup(2) };

        var whole = Classifier.Train(x, y, options with { Epochs = 12 });
        var first = Classifier.Train(x, y, options);
        var path = Path.Combine(Folder, "first.json");
        first.Save(path);
        var second = Classifier.Train(x, y, options with { WarmStart = Classifier.Load(path) });

        Assert.True(SyntheticData.BitIdentical(whole.Costs, first.Costs.Concat(second.Costs).ToArray()));
        second.Save(path);
        Assert.Equal(6, CliFiles.ReadJson(path).GetProperty("training").GetProperty("epochsBefore").GetInt32());
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("step:50:0.5")]
    [InlineData("exponential:0.99")]
    [InlineData("cosine")]
    [InlineData("cosine:0.1", "--warmup", "20")]
    public async Task Wine_with_relu_and_tanh_layers_reaches_91_percent_under_every_schedule(string schedule, params string[] more)
    {
        var model = Path.Combine(Folder, "wine.json");
        var result = Succeeded(await Run(
            ["train", "--data", Wine, "--hidden", "16:relu,8:tanh", "--schedule", schedule, "--epochs", "300", "--model", "wine.json", .. more]));

        var test = Percent(result, "test accuracy:");
        Assert.True(test >= 91, $"{schedule}: test accuracy {test} %");
        Assert.Contains("network:        13 inputs -> 16 relu -> 8 tanh -> 3 softmax", result.StdoutLines);

        var json = CliFiles.ReadJson(model);
        Assert.Equal(["relu", "tanh", "softmax"], json.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("activation").GetString()));
        var training = json.GetProperty("training");
        var expected = LearningRateSchedule.Parse(schedule);
        if (expected == LearningRateSchedule.Constant)
        {
            Assert.False(training.TryGetProperty("schedule", out _));
        }
        else
        {
            Assert.Equal(expected.Text, training.GetProperty("schedule").GetString());
        }

        Assert.Equal(more.Length > 0, training.TryGetProperty("warmup", out _));

        var evaluated = Succeeded(await Run("evaluate", "--model", "wine.json", "--data", Wine));
        Assert.Contains("network:  13 inputs -> 16 relu -> 8 tanh -> 3 softmax", evaluated.StdoutLines);
        var evaluatedJson = CliFiles.SingleJsonObject(Succeeded(await Run("evaluate", "--model", "wine.json", "--data", Wine, "--json")));
        Assert.Equal(["relu", "tanh", "softmax"], evaluatedJson.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("activation").GetString()));
    }

    [Fact]
    public async Task Gradcheck_takes_per_layer_activations_too()
    {
        var json = CliFiles.SingleJsonObject(Succeeded(await Run("gradcheck", "--data", Wine, "--hidden", "3:relu,2:sigmoid", "--json")));
        Assert.True(json.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task The_json_summary_and_the_text_summary_name_the_schedule()
    {
        var json = CliFiles.SingleJsonObject(Succeeded(await Run(
            "train", "--data", Wine, "--hidden", "4", "--schedule", "step:5:0.5", "--warmup", "3", "--epochs", "10", "--json")));
        Assert.Equal("step:5:0.5", json.GetProperty("schedule").GetString());
        Assert.Equal(3, json.GetProperty("warmup").GetInt32());

        var text = Succeeded(await Run("train", "--data", Wine, "--hidden", "4:sigmoid", "--schedule", "exponential:0.9", "--epochs", "10"));
        Assert.Contains("schedule:       exponential:0.9", text.StdoutLines);
        Assert.Contains("network:        13 inputs -> 4 sigmoid -> 3 softmax", text.StdoutLines);
    }

    [Fact]
    public async Task A_warm_start_without_schedule_options_continues_the_schedule_its_model_file_records()
    {
        // 10 epochs, then 10 more from that model without --schedule, equal 20 epochs in one run:
        // the second run takes step:4:0.5 from the file and counts on from epoch 10.
        string[] common = ["train", "--data", Wine, "--hidden", "4", "--learning-rate", "0.3"];
        Succeeded(await Run([.. common, "--schedule", "step:4:0.5", "--epochs", "10", "--model", "first.json"]));
        Succeeded(await Run(["train", "--data", Wine, "--learning-rate", "0.3", "--epochs", "10", "--warm-start", "first.json", "--model", "second.json"]));
        Succeeded(await Run([.. common, "--schedule", "step:4:0.5", "--epochs", "20", "--model", "whole.json"]));

        var second = Classifier.Load(Path.Combine(Folder, "second.json"));
        var whole = Classifier.Load(Path.Combine(Folder, "whole.json"));
        Assert.Equal("step:4:0.5", second.Options!.Schedule.Text);
        for (var l = 0; l < whole.Layers.Count; l++)
        {
            Assert.Equal(whole.Layers[l].Bias, second.Layers[l].Bias);
        }

        // Without the recorded schedule (an explicit constant) the runs part.
        Succeeded(await Run(["train", "--data", Wine, "--learning-rate", "0.3", "--epochs", "10", "--warm-start", "first.json", "--schedule", "constant", "--model", "third.json"]));
        Assert.NotEqual(whole.Layers[0].Bias, Classifier.Load(Path.Combine(Folder, "third.json")).Layers[0].Bias);
    }

    [Fact]
    public async Task A_width_without_a_name_takes_the_activation_option()
    {
        var json = CliFiles.SingleJsonObject(Succeeded(await Run(
            "train", "--data", Wine, "--hidden", "5:relu,4", "--activation", "sigmoid", "--epochs", "3", "--json")));
        Assert.Equal(["relu", "sigmoid", "softmax"], json.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("activation").GetString()));
    }

    [Theory]
    [InlineData("train --hidden 16:swish",
        "error: --hidden '16:swish': activation 'swish' is not known; expected one of sigmoid, tanh, relu, leaky_relu (see 'perceptron train --help')")]
    [InlineData("train --hidden 16:softmax",
        "error: --hidden '16:softmax': activation 'softmax' is not known; expected one of sigmoid, tanh, relu, leaky_relu (see 'perceptron train --help')")]
    [InlineData("train --schedule step:0:0.5",
        "error: --schedule 'step:0:0.5' is not valid: step EVERY is 0; expected a whole number of epochs >= 1 (see 'perceptron train --help')")]
    [InlineData("train --schedule step:10:1.5",
        "error: --schedule 'step:10:1.5' is not valid: step FACTOR is 1.5; expected a number in (0, 1] (see 'perceptron train --help')")]
    [InlineData("train --schedule exponential:0",
        "error: --schedule 'exponential:0' is not valid: exponential GAMMA is 0; expected a number in (0, 1] (see 'perceptron train --help')")]
    [InlineData("train --schedule cosine:3",
        "error: --schedule 'cosine:3' is not valid: cosine FLOOR is 3; expected a fraction of the learning rate in [0, 1] (see 'perceptron train --help')")]
    [InlineData("train --schedule linear",
        "error: --schedule 'linear' is not valid: 'linear' is not a schedule; expected constant, step:EVERY:FACTOR, exponential:GAMMA or cosine[:FLOOR] (see 'perceptron train --help')")]
    [InlineData("train --warmup -1",
        "error: --warmup '-1' is not valid; expected a whole number >= 0 (see 'perceptron train --help')")]
    public async Task Bad_layers_and_schedules_exit_2_with_one_line(string args, string expected)
    {
        var result = await Run(args.Split(' '));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal([expected], result.StderrLines);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Help_shows_the_schedule_syntax_and_per_layer_activations()
    {
        var help = Succeeded(await Run("train", "--help")).Stdout;
        Assert.Contains("--schedule <constant|step:EVERY:FACTOR|exponential:GAMMA|cosine[:FLOOR]>", help, StringComparison.Ordinal);
        Assert.Contains("--warmup <EPOCHS>", help, StringComparison.Ordinal);
        Assert.Contains("16:relu,8:tanh", help, StringComparison.Ordinal);
    }

    private static double Percent(CliResult result, string key)
    {
        var line = Assert.Single(result.StdoutLines, l => l.StartsWith(key, StringComparison.Ordinal));
        var match = Regex.Match(line, @"(\d+\.\d+) %");
        Assert.True(match.Success, line);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
