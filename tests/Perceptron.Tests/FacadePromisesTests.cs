// Issue 14: the facade keeps its promises. Labels that skip classes, cancellation between batches,
// exception types C# code catches, divergence that stays finite, immutability, and small API gaps.
// Each test failed on the code before the issue (the comment says how where it is not obvious).

using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Perceptron.Tests;

public sealed class FacadePromisesTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static readonly DataSet ThreeClasses = SyntheticData.Blobs(seed: 4, classes: 3, perClass: 20, features: 2);

    private static readonly TrainingOptions Quick = new() { LearningRate = 0.1, Epochs = 5, Seed = 1 };

    // ---- 1. Labels that skip classes ----

    [Fact]
    public void A_label_that_skips_classes_is_refused_naming_the_missing_classes()
    {
        var labels = (int[])ThreeClasses.Labels.Clone();
        labels[0] = 7;

        // Before: a model with 8 classes, 5 of which never occur.
        var exception = Assert.ThrowsAny<ArgumentException>(() => Classifier.Train(ThreeClasses.Features, labels, Quick));

        Assert.Equal("labels", exception.ParamName);
        Assert.Contains("classes 3, 4, 5, 6", exception.Message, StringComparison.Ordinal);
        Assert.Contains("TrainingOptions.Classes", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_classes_allow_a_class_that_is_absent_from_the_training_set()
    {
        var model = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick with { Classes = ["a", "b", "c", "d"] });

        Assert.Equal(new[] { "a", "b", "c", "d" }, model.Classes);
        Assert.Equal(4, model.PredictProbabilities(ThreeClasses.Features).GetLength(1));
    }

    [Fact]
    public void A_label_beyond_the_declared_classes_is_refused()
    {
        var exception = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick with { Classes = ["a", "b"] }));

        Assert.Equal("labels", exception.ParamName);
        Assert.Contains("expected a class from 0 to 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warm_start_keeps_its_classes_and_refuses_declared_ones()
    {
        var first = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick);
        var rows = Enumerable.Range(0, ThreeClasses.Labels.Length).Where(i => ThreeClasses.Labels[i] < 2).ToArray();
        var twoOfThree = (Samples.TakeRows(ThreeClasses.Features, rows), Samples.TakeRows(ThreeClasses.Labels, rows));

        var continued = Classifier.Train(twoOfThree.Item1, twoOfThree.Item2, Quick with { WarmStart = first });
        var exception = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.Train(twoOfThree.Item1, twoOfThree.Item2, Quick with { WarmStart = first, Classes = ["x", "y", "z"] }));

        Assert.Equal(first.Classes, continued.Classes);
        Assert.Equal("Classes", exception.ParamName);
    }

    [Fact]
    public async Task The_console_host_maps_labels_through_names_so_a_label_7_is_just_a_third_class()
    {
        var text = new System.Text.StringBuilder("a,b,y\n");
        for (var i = 0; i < ThreeClasses.Labels.Length; i++)
        {
            var label = ThreeClasses.Labels[i] == 2 ? 7 : ThreeClasses.Labels[i];
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{ThreeClasses.Features[i, 0]:R},{ThreeClasses.Features[i, 1]:R},{label}\n");
        }

        var data = CliFiles.Write(_scratch.Directory, "skips.csv", text.ToString());
        var result = await CliHost.RunAsync(_scratch.Directory, "train", "--data", data, "--epochs", "5", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = CliFiles.SingleJsonObject(result);
        Assert.Equal(new[] { "0", "1", "7" }, json.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
    }

    // ---- 2. Cancellation that responds ----

    [Fact]
    public void Cancelling_stops_before_the_next_batch_and_says_where_with_the_model_of_the_last_batch()
    {
        // 6,000 samples in batches of 32: 188 batches an epoch.
        const int Count = 6_000;
        var data = SyntheticData.Noise(seed: 2, samples: Count, features: 50);
        var options = new TrainingOptions { HiddenLayers = [128], Optimizer = Optimizer.Adam, LearningRate = 0.001, Epochs = 2, BatchSize = 32, Seed = 3 };
        using var cancellation = new CancellationTokenSource();
        // Cancelled when epoch 1 is reported, so the check before the next batch stops it: deterministic, with no
        // timer. Stopping part-way through an epoch is shown by the core's trainUntil and fitUntil tests.
        var progress = new SynchronousProgress<TrainingProgress>(_ => cancellation.Cancel());

        var exception = Assert.Throws<TrainingCanceledException>(
            () => Classifier.Train(data.Features, data.Labels, options, progress, cancellation.Token));

        var model = exception.Model!;
        Assert.Equal(1, exception.Epoch);
        Assert.Equal(1, model.EpochsRun);
        Assert.Single(model.Costs);
        Assert.InRange(exception.Batch, 0, (Count / 32) - 1);
        Assert.Equal(StopReason.Canceled, model.StopReason);
        Assert.Contains(exception.Batch == 0 ? "after epoch 1" : $"in epoch 2, after batch {exception.Batch}", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_in_the_console_host_stops_between_batches_and_saves_that_batchs_model()
    {
        // 56,900 samples in batches of 1: an epoch of 45,520 batches takes seconds; Ctrl+C comes right after
        // the first epoch's cost is printed, so it lands in epoch 2. It used to wait for the end of epoch 2.
        var lines = File.ReadAllLines(CliFiles.BreastCancer).Where(l => l.Length > 0).ToArray();
        File.WriteAllLines(_scratch.Path("big.csv"), lines[..1].Concat(Enumerable.Repeat(lines[1..], 100).SelectMany(rows => rows)));

        using var child = CliProcess.Start(
            _scratch.Directory,
            ["train", "--data", "big.csv", "--hidden", "64", "--batch-size", "1", "--epochs", "1000", "--print-every", "1", "--model", "stopped.json"]);
        await child.WaitForLineAsync(l => l.StartsWith("Cost after epoch 0", StringComparison.Ordinal), CliHost.DefaultTimeout);
        child.Interrupt();
        var result = await child.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.ExitCode == 130, result.ToString());
        var line = Assert.Single(result.StderrLines);
        // How many epochs end before the signal arrives depends on the machine; the stop is mid-epoch either way.
        var stopped = Regex.Match(line, @"^interrupted: training stopped in epoch (\d+) of 1000, after batch (\d+); the model of that batch was saved to stopped\.json$");
        Assert.True(stopped.Success, line);
        var epoch = int.Parse(stopped.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(epoch, 2, 999);
        var model = Classifier.Load(_scratch.Path("stopped.json"));
        Assert.Equal(epoch - 1, model.EpochsRun);
        Assert.Equal(epoch - 1, model.Costs.Count);
    }

    // ---- 3. Exception types that C# code can catch ----

    [Fact]
    public void Missing_files_and_folders_are_IOExceptions_that_name_the_path()
    {
        var missing = _scratch.Path("missing.csv");
        var inMissingFolder = _scratch.Path(Path.Combine("no-such-folder", "model.json"));
        var model = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick);

        var table = Assert.Throws<FileNotFoundException>(() => Table.Load(missing));
        var load = Assert.Throws<FileNotFoundException>(() => Classifier.Load(missing));
        var folder = Assert.Throws<DirectoryNotFoundException>(() => Table.Load(inMissingFolder));
        var save = Assert.Throws<DirectoryNotFoundException>(() => model.Save(inMissingFolder));
        var directory = Assert.ThrowsAny<IOException>(() => Table.Load(_scratch.Directory));

        Assert.All(new[] { table.Message, load.Message }, m => Assert.StartsWith($"{missing}: no such file", m, StringComparison.Ordinal));
        Assert.Equal(missing, table.FileName);
        Assert.All(new[] { folder.Message, save.Message }, m => Assert.StartsWith($"{inMissingFolder}: no such directory", m, StringComparison.Ordinal));
        Assert.Contains("is a directory", directory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_content_is_a_FormatException_with_file_line_and_column()
    {
        var path = CliFiles.Write(_scratch.Directory, "bad.csv", "a,b,y\n1,2,0\n3,oops,1\n");

        FormatException exception = Assert.Throws<DataFormatException>(() => Table.Load(path));

        var data = (DataFormatException)exception;
        Assert.Equal((path, 3, 2), (data.File, data.Line, data.Column));
    }

    public static TheoryData<Type> PublicExceptionTypes() =>
        [.. typeof(Classifier).Assembly.GetExportedTypes().Where(t => typeof(Exception).IsAssignableFrom(t))];

    [Theory]
    [MemberData(nameof(PublicExceptionTypes))]
    public void Every_public_exception_type_has_the_standard_constructors(Type type)
    {
        Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
        Assert.NotNull(type.GetConstructor([typeof(string)]));
        Assert.NotNull(type.GetConstructor([typeof(string), typeof(Exception)]));

        var inner = new InvalidOperationException("inner");
        var made = (Exception)Activator.CreateInstance(type, "a message", inner)!;
        Assert.Equal("a message", made.Message);
        Assert.Same(inner, made.InnerException);
    }

    [Theory]
    [InlineData("M:Perceptron.Classifier.Train(System.Double[0:,0:],System.Int32[],Perceptron.TrainingOptions,System.IProgress{Perceptron.TrainingProgress},System.Threading.CancellationToken)", "TrainingCanceledException", "ArgumentException")]
    [InlineData("M:Perceptron.Classifier.Load(System.String)", "FileNotFoundException", "DirectoryNotFoundException", "IOException", "DataFormatException")]
    [InlineData("M:Perceptron.Classifier.Save(System.String)", "DirectoryNotFoundException", "IOException")]
    [InlineData("M:Perceptron.Table.Load(System.String,System.String,Perceptron.LabelColumn)", "FileNotFoundException", "IOException", "DataFormatException")]
    [InlineData("M:Perceptron.Classifier.Predict(System.Double[0:,0:])", "ArgumentException")]
    [InlineData("M:Perceptron.Classifier.PredictProbabilities(System.Double[])", "ArgumentException")]
    public void The_XML_docs_list_the_exceptions_of_a_method(string member, params string[] exceptions)
    {
        var xml = Path.ChangeExtension(typeof(Classifier).Assembly.Location, ".xml");
        var documented = XDocument.Load(xml).Descendants("member")
            .Single(m => (string?)m.Attribute("name") == member)
            .Elements("exception")
            .Select(e => ((string)e.Attribute("cref")!).Split('.')[^1])
            .ToArray();

        Assert.All(exceptions, e => Assert.Contains(e, documented));
    }

    // ---- 4. Divergence that stays finite ----

    [Fact]
    public void A_learning_rate_of_a_million_does_not_pass_silently()
    {
        var data = Table.Load(CliFiles.BreastCancer);
        var labels = data.EncodeLabels(Table.Classes(data.Labels));
        var options = new TrainingOptions { LearningRate = 1e6, Epochs = 200 };

        var model = Classifier.Train(data.Features, labels, options);
        var sound = Classifier.Train(data.Features, labels, options with { LearningRate = 0.5 });

        // Before: Completed, no warning, a final cost far above the first.
        Assert.True(model.Costs[^1] > model.Costs[0]);
        var warning = Assert.Single(model.Warnings);
        Assert.Contains("rose", warning, StringComparison.Ordinal);
        Assert.Contains("smaller learning rate", warning, StringComparison.Ordinal);
        Assert.Empty(sound.Warnings);

        // A loaded model warns as the trained one did.
        var path = _scratch.Path("diverging.json");
        model.Save(path);
        Assert.Equal(model.Warnings, Classifier.Load(path).Warnings);
    }

    [Fact]
    public async Task The_console_host_shows_the_warning_in_its_summary_and_its_json()
    {
        var plain = await CliHost.RunAsync(_scratch.Directory, "train", "--learning-rate", "1e6", "--epochs", "200");
        var json = await CliHost.RunAsync(_scratch.Directory, "train", "--learning-rate", "1e6", "--epochs", "200", "--json");

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains(plain.StdoutLines, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("rose", StringComparison.Ordinal));
        var warnings = CliFiles.SingleJsonObject(json).GetProperty("warnings");
        Assert.Contains("rose", Assert.Single(warnings.EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    // ---- 5. Immutability that holds ----

    [Fact]
    public void Options_copy_the_callers_arrays_and_compare_them_by_value()
    {
        int[] hidden = [8, 4];
        string[] classes = ["a", "b", "c"];
        var options = new TrainingOptions { HiddenLayers = hidden, Classes = classes };

        hidden[0] = 99;
        classes[0] = "changed";

        Assert.Equal(new[] { 8, 4 }, options.HiddenLayers);
        Assert.Equal(new[] { "a", "b", "c" }, options.Classes!);
        Assert.Equal(new TrainingOptions { HiddenLayers = [8, 4] }, new TrainingOptions { HiddenLayers = [8, 4] });
        Assert.Equal(
            new TrainingOptions { HiddenLayers = [8, 4] }.GetHashCode(), new TrainingOptions { HiddenLayers = [8, 4] }.GetHashCode());
        Assert.NotEqual(new TrainingOptions { HiddenLayers = [8, 4] }, new TrainingOptions { HiddenLayers = [8, 5] });
    }

    [Fact]
    public void Model_file_records_that_hold_arrays_compare_by_value()
    {
        Assert.Equal(new Standardization([1.0, 2.0], [3.0, 4.0]), new Standardization([1.0, 2.0], [3.0, 4.0]));
        Assert.NotEqual(new Standardization([1.0, 2.0], [3.0, 4.0]), new Standardization([1.0, 2.0], [3.0, 5.0]));
        var layer = new LayerDocument("sigmoid", new double[,] { { 1, 2 } }, [0.5]);
        Assert.Equal(layer, new LayerDocument("sigmoid", new double[,] { { 1, 2 } }, [0.5]));
        Assert.Equal(layer.GetHashCode(), new LayerDocument("sigmoid", new double[,] { { 1, 2 } }, [0.5]).GetHashCode());
        Assert.NotEqual(layer, new LayerDocument("sigmoid", new double[,] { { 1 }, { 2 } }, [0.5]));
    }

    [Fact]
    public void A_loaded_model_restores_the_options_its_file_records()
    {
        var options = new TrainingOptions
        {
            HiddenLayers = [5],
            Activation = Activation.Relu,
            Optimizer = Optimizer.Momentum,
            LearningRate = 0.05,
            Epochs = 4,
            BatchSize = 16,
            L2 = 0.01,
            Initialization = Initialization.Normal,
            InitScale = 0.2,
            Seed = 9,
        };
        var path = _scratch.Path("model.json");
        Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, options).Save(path);

        // Before: null.
        var restored = Classifier.Load(path).Options;

        Assert.Equal(options, restored);
    }

    // ---- 6. Small API gaps ----

    [Fact]
    public void Prediction_on_no_rows_is_empty()
    {
        var model = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick);
        var none = new double[0, 2];

        Assert.Empty(model.Predict(none));
        Assert.Empty(model.PredictClassNames(none));
        var probabilities = model.PredictProbabilities(none);
        Assert.Equal((0, 3), (probabilities.GetLength(0), probabilities.GetLength(1)));
        Assert.Throws<ArgumentException>(() => model.Predict(new double[0, 3]));
    }

    [Fact]
    public void One_sample_predicts_as_its_row_and_class_names_come_directly()
    {
        var model = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick).WithNames(["a", "b"], "y", ["red", "green", "blue"]);
        var all = model.PredictProbabilities(ThreeClasses.Features);
        var predicted = model.Predict(ThreeClasses.Features);

        for (var i = 0; i < 5; i++)
        {
            double[] row = [ThreeClasses.Features[i, 0], ThreeClasses.Features[i, 1]];
            Assert.Equal(predicted[i], model.Predict(row));
            Assert.Equal(Enumerable.Range(0, 3).Select(c => all[i, c]), model.PredictProbabilities(row));
            Assert.Equal(model.Classes[predicted[i]], model.PredictClassName(row));
        }

        Assert.Equal(predicted.Select(c => model.Classes[c]), model.PredictClassNames(ThreeClasses.Features));
        Assert.Throws<ArgumentException>(() => model.Predict(new double[] { 1 }));
    }

    [Fact]
    public void Table_Labels_is_not_nullable_and_HasLabels_tells_whether_there_are_any()
    {
        var nullability = new NullabilityInfoContext().Create(typeof(Table).GetProperty(nameof(Table.Labels))!);
        var withLabels = Table.Read(new StringReader("a,y\n1,x\n"), "t.csv");
        var without = Table.Read(new StringReader("a,b\n1,2\n"), "u.csv", mode: LabelColumn.None);

        Assert.Equal(NullabilityState.NotNull, nullability.ReadState);
        Assert.True(withLabels.HasLabels);
        Assert.Equal(new[] { "x" }, withLabels.Labels);
        Assert.False(without.HasLabels);
        Assert.Contains("u.csv has no label column", Assert.Throws<InvalidOperationException>(() => without.Labels).Message, StringComparison.Ordinal);
    }

    /// <summary>The macro one-vs-rest AUC by its definition: per class, the fraction of (positive, negative)
    /// pairs ordered right by P(class), ties counting one half; then the mean over classes.</summary>
    private static double PairwiseMacroAuc(int[] labels, double[,] probabilities)
    {
        var classes = probabilities.GetLength(1);
        var total = 0.0;
        for (var c = 0; c < classes; c++)
        {
            double right = 0;
            long pairs = 0;
            for (var i = 0; i < labels.Length; i++)
            {
                for (var j = 0; j < labels.Length; j++)
                {
                    if (labels[i] == c && labels[j] != c)
                    {
                        pairs++;
                        right += probabilities[i, c] > probabilities[j, c] ? 1 : probabilities[i, c] == probabilities[j, c] ? 0.5 : 0;
                    }
                }
            }

            total += right / pairs;
        }

        return total / classes;
    }

    [Fact]
    public void Several_classes_get_the_macro_one_vs_rest_ROC_AUC()
    {
        var data = SyntheticData.Blobs(seed: 8, classes: 4, perClass: 25, features: 2, spread: 1.5);
        var model = Classifier.Train(data.Features, data.Labels, Quick with { Epochs = 3 });

        var evaluation = model.Evaluate(data.Features, data.Labels);

        // Before: null for more than two classes.
        Assert.NotNull(evaluation.RocAuc);
        Assert.Equal(PairwiseMacroAuc(data.Labels, model.PredictProbabilities(data.Features)), evaluation.RocAuc!.Value, 1e-12);
        Assert.InRange(evaluation.RocAuc!.Value, 0.5, 1.0);
        Assert.Empty(evaluation.RocCurve);
    }

    [Fact]
    public void Out_of_range_messages_state_the_value_once_and_name_the_property()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick with { Epochs = 0 }));

        Assert.Equal("Epochs", exception.ParamName);
        Assert.StartsWith("Epochs is 0; expected > 0", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_agree_in_number()
    {
        var model = Classifier.Train(ThreeClasses.Features, ThreeClasses.Labels, Quick);

        var names = Assert.Throws<ArgumentException>(() => model.WithNames(["a"], "y", ["0", "1", "2"]));
        var labels = Assert.ThrowsAny<ArgumentException>(() => model.Evaluate(new double[,] { { 1, 2 }, { 3, 4 } }, [0]));
        var columns = Assert.ThrowsAny<ArgumentException>(() => model.Predict(new double[,] { { 1 } }));

        Assert.Contains("featureNames has 1 name;", names.Message, StringComparison.Ordinal);
        Assert.Contains("labels has 1 value for 2 samples", labels.Message, StringComparison.Ordinal);
        Assert.Contains("features has 1 feature (1 column); expected 2", columns.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_of_the_console_host_lists_no_warning_for_a_sound_run()
    {
        var result = await CliHost.RunAsync(_scratch.Directory, "train", "--epochs", "100", "--json");

        Assert.Equal(JsonValueKind.Array, CliFiles.SingleJsonObject(result).GetProperty("warnings").ValueKind);
        Assert.Empty(CliFiles.SingleJsonObject(result).GetProperty("warnings").EnumerateArray());
    }
}
