using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Perceptron.Cli;

/// <summary>`perceptron train`: load data, split, train, report, and optionally save the model and a plot.</summary>
internal static class TrainCommand
{
    public static Command Build(TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var data = CommonOptions.Data("CSV file with a header row (default: the embedded breast-cancer data set).");
        var label = CommonOptions.Label();
        var test = new Option<string?>("--test") { Description = "A separate CSV test set (same columns).", HelpName = "FILE" };
        var testFraction = new Option<double>("--test-fraction")
        {
            Description = "Fraction of the samples held out (seeded) for testing; 0: no test split.",
            DefaultValueFactory = _ => 0.2,
            CustomParser = r => CommonOptions.ParseDouble(r, "--test-fraction", positive: false, below: 1),
        };
        var epochs = new Option<int>("--epochs", "--iterations")
        {
            Description = "Passes over the training data (full-batch: gradient steps).",
            DefaultValueFactory = _ => 2000,
            CustomParser = r => CommonOptions.ParseInt(r, "--epochs", 1),
        };
        var learningRate = new Option<double?>("--learning-rate")
        {
            Description = $"Step size (default: 0.5 for {Names.Of(Optimizer.GradientDescent)} and {Names.Of(Optimizer.Momentum)}, 0.001 for {Names.Of(Optimizer.Adam)}).",
            CustomParser = r => CommonOptions.ParseDouble(r, "--learning-rate", positive: true),
        };
        var noStandardize = new Option<bool>("--no-standardize") { Description = "Use the features as they are." };
        var printEvery = new Option<int>("--print-every")
        {
            Description = "Print (and record in --json) the cost every K epochs.",
            DefaultValueFactory = _ => 100,
            CustomParser = r => CommonOptions.ParseInt(r, "--print-every", 1),
        };
        var model = CommonOptions.Model("Save the trained model to this JSON file (written atomically).", required: false);
        var json = CommonOptions.Json();
        var hidden = CommonOptions.Hidden();
        var activation = CommonOptions.HiddenActivation();
        var optimizer = CommonOptions.OptimizerOption();
        var batchSize = new Option<int?>("--batch-size")
        {
            Description = "Samples per update (default: full batch).",
            CustomParser = r => CommonOptions.ParseInt(r, "--batch-size", 1),
        };
        var l2 = CommonOptions.L2("L2 penalty (l2 / 2) ||W||^2 on the weights, included in every reported cost.");
        var init = CommonOptions.Init();
        var initScale = CommonOptions.InitScale();
        var seed = CommonOptions.Seed();
        var validationFraction = new Option<double>("--validation-fraction")
        {
            Description = "Fraction of the training samples held out for the validation cost (and --patience).",
            DefaultValueFactory = _ => 0.0,
            CustomParser = r => CommonOptions.ParseDouble(r, "--validation-fraction", positive: false, below: 1),
        };
        var stratify = new Option<bool>("--no-stratify")
        {
            Description = "Split --test-fraction and --validation-fraction at random, without keeping each class's share (stratified by default).",
        };
        var patience = new Option<int?>("--patience")
        {
            Description = "Stop when the validation cost has not improved for this many epochs.",
            CustomParser = r => CommonOptions.ParseInt(r, "--patience", 1),
        };
        var warmStart = new Option<string?>("--warm-start")
        {
            Description = "Continue training from this model file.",
            HelpName = "FILE",
        };
        var plot = new Option<string?>("--plot") { Description = "Write the learning curve to this PNG file.", HelpName = "FILE.png" };
        var schedule = CommonOptions.Schedule();
        var warmup = new Option<int>("--warmup")
        {
            Description = "Epochs of linear learning-rate warm-up before the --schedule (from rate / EPOCHS up to the rate).",
            HelpName = "EPOCHS",
            DefaultValueFactory = _ => 0,
            CustomParser = r => CommonOptions.ParseInt(r, "--warmup", 0),
        };
        var weightColumn = WeightOptions.WeightColumn();
        var classWeight = WeightOptions.ClassWeight();

        var command = new Command("train", "Train a classifier (the perceptron by default) and report train and test accuracy.")
        {
            data, label, test, testFraction, epochs, learningRate, noStandardize, printEvery, model, json, hidden,
            activation, optimizer, batchSize, l2, init, initScale, seed, validationFraction, stratify, patience, warmStart, plot,
            schedule, warmup,
            weightColumn, classWeight,
        };

        command.SetAction(parse =>
        {
            var chosenOptimizer = parse.GetValue(optimizer) ?? CommonOptions.Defaults.Optimizer;
            if (parse.GetValue(warmStart) is not null)
            {
                // The network, its initial weights and its standardisation come from the warm-start model:
                // these options would be ignored, and a user who typed them expects them to count.
                var ignored = new Option[] { hidden, activation, init, initScale, noStandardize }
                    .Where(o => parse.GetResult(o) is { Implicit: false })
                    .Select(o => o.Name)
                    .ToArray();
                if (ignored.Length > 0)
                {
                    throw new UsageException(
                        $"{string.Join(", ", ignored)} cannot be used with --warm-start: the network and its standardisation "
                        + $"come from the model file; leave {(ignored.Length == 1 ? "it" : "them")} out, or train a new model without --warm-start");
                }
            }

            var settings = new Settings(
                Data: parse.GetValue(data),
                Label: parse.GetValue(label),
                Test: parse.GetValue(test),
                TestFraction: parse.GetValue(testFraction),
                PrintEvery: parse.GetValue(printEvery),
                Model: parse.GetValue(model),
                Json: parse.GetValue(json),
                WarmStart: parse.GetValue(warmStart),
                Plot: parse.GetValue(plot),
                WeightColumn: parse.GetValue(weightColumn),
                ScheduleGiven: parse.GetResult(schedule) is { Implicit: false } || parse.GetResult(warmup) is { Implicit: false },
                Options: new TrainingOptions
                {
                    HiddenLayers = CommonOptions.Widths(parse.GetValue(hidden)),
                    Layers = CommonOptions.Layers(parse.GetValue(hidden), parse.GetValue(activation) ?? CommonOptions.Defaults.Activation),
                    Activation = parse.GetValue(activation) ?? CommonOptions.Defaults.Activation,
                    Optimizer = chosenOptimizer,
                    LearningRate = parse.GetValue(learningRate) ?? (chosenOptimizer == Optimizer.Adam ? 0.001 : 0.5),
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batchSize),
                    L2 = parse.GetValue(l2),
                    Initialization = parse.GetValue(init),
                    InitScale = parse.GetValue(initScale),
                    Seed = parse.GetValue(seed),
                    Standardize = !parse.GetValue(noStandardize),
                    ValidationFraction = parse.GetValue(validationFraction),
                    Stratify = !parse.GetValue(stratify),
                    Patience = parse.GetValue(patience),
                    Schedule = parse.GetValue(schedule)! with { Warmup = parse.GetValue(warmup) },
                    ClassWeights = parse.GetValue(classWeight) ?? ClassWeights.None,
                });
            return Run(settings, output, error, cancellation);
        });
        return command;
    }

    /// <summary>
    /// A split as training makes it (stratified unless --no-stratify), whose errors the library words with the
    /// option, the data's file and --no-stratify.
    /// </summary>
    private static (int[] Train, int[] Test) Split(string option, string samples, double fraction, TrainingOptions options, int[] labels, string source) =>
        Samples.Split(
            labels.Length,
            fraction,
            options.Seed,
            options.Stratify ? labels : null,
            new SplitNames { Fraction = option, Samples = samples, Source = source, Unstratified = "split without stratifying: --no-stratify" });

    private sealed record Settings(
        string? Data,
        string? Label,
        string? Test,
        double TestFraction,
        int PrintEvery,
        string? Model,
        bool Json,
        string? WarmStart,
        string? Plot,
        string? WeightColumn,
        bool ScheduleGiven,
        TrainingOptions Options);

    private static int Run(Settings settings, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        Plots.CheckPath(
            settings.Plot, "--plot", ("--data", settings.Data), ("--test", settings.Test), ("--warm-start", settings.WarmStart), ("--model", settings.Model));

        // --model may name the --warm-start file: training continues from it and then replaces it, atomically.
        CommonOptions.CheckOutputPath(settings.Model, "--model", ("--data", settings.Data), ("--test", settings.Test));
        // Before any data is read: the library's rules for the options alone, in the words of the flags.
        settings.Options.Validate(CommonOptions.Flags);

        var table = DataSource.Load(settings.Data, settings.Label);
        double[]? weights = null;
        if (settings.WeightColumn is { } weightColumn)
        {
            (table, weights) = table.SplitWeights(weightColumn);
        }

        var options = settings.Options;
        IReadOnlyList<string>? knownClasses = null;
        if (settings.WarmStart is not null)
        {
            var warm = Classifier.Load(settings.WarmStart);
            table.CheckFeatures(warm.FeatureNames);
            knownClasses = warm.Classes;
            options = options with { WarmStart = warm };
            if (!settings.ScheduleGiven && warm.Options?.Schedule is { } recorded)
            {
                // Without --schedule or --warmup a warm start continues the schedule its model file records
                // (the epochs before it are counted by the core), as resuming a run is expected to.
                options = options with { Schedule = recorded };
            }
        }

        var (labels, classes) = DataSource.Encode(table, knownClasses);
        var features = table.Features;
        double[,]? testFeatures = null;
        int[]? testLabels = null;
        if (settings.Test is not null)
        {
            var testTable = Table.Load(settings.Test, table.LabelName);
            if (settings.WeightColumn is { } column && testTable.FeatureNames.Contains(column))
            {
                // The test set is evaluated unweighted: its weight column is not a feature either.
                testTable = testTable.SplitWeights(column).Table;
            }

            testTable.CheckFeatures(table.FeatureNames, "the training data");
            testFeatures = testTable.Features;
            testLabels = testTable.EncodeLabels(classes);
        }
        else if (settings.TestFraction > 0)
        {
            var (trainRows, testRows) = Split("--test-fraction", "samples", settings.TestFraction, options, labels, table.Source);
            testFeatures = Samples.TakeRows(features, testRows);
            testLabels = Samples.TakeRows(labels, testRows);
            features = Samples.TakeRows(features, trainRows);
            labels = Samples.TakeRows(labels, trainRows);
            weights = weights is null ? null : Samples.TakeRows(weights, trainRows);
        }

        WeightOptions.CheckCount(options.ClassWeights, classes);

        if (!labels.Skip(1).Any(l => l != labels[0]))
        {
            // The whole file has two classes or more (or a warm-start model's classes), but what is left
            // to train on may not: the library would say "labels holds a single class (1)".
            var split = testLabels is not null && settings.Test is null;
            var samples = labels.Length == 1 ? "the 1 training sample" : $"the {labels.Length} training samples";
            var left = split
                ? $" left after holding out {testLabels!.Length} for testing (--test-fraction {settings.TestFraction.ToString(CultureInfo.InvariantCulture)})"
                : string.Empty;
            throw new DataFormatException(
                table.Source, null, null,
                $"{samples}{left} {(labels.Length == 1 ? "holds" : "hold")} a single class ('{classes[labels[0]]}'); "
                + "expected at least two classes to tell apart" + (split ? " (use more data, or --test-fraction 0)" : string.Empty));
        }

        if (options.ValidationFraction > 0)
        {
            // Training makes this split with the library's names for the options: check it here in the flags' words.
            _ = Split("--validation-fraction", "training samples", options.ValidationFraction, options, labels, table.Source);
        }

        Limits.CheckTraining(
            table.FeatureNames.Count,
            options.WarmStart is { } warmModel ? warmModel.Layers.SkipLast(1).Select(l => l.Units).ToArray() : options.HiddenLayers,
            classes.Count,
            labels.Length,
            options.BatchSize,
            options.WarmStart is not null);

        var plain = Output.Plain(settings.Json);
        var printed = new List<(int Epoch, double Cost)>();
        var fullBatch = options.BatchSize is null || options.BatchSize >= labels.Length;
        void Record(TrainingProgress p)
        {
            if ((p.Epoch - 1) % settings.PrintEvery == 0)
            {
                if (plain && !settings.Json)
                {
                    // Printed as it comes and not kept, so a long run's memory stays flat.
                    output.WriteLine(CostLine(fullBatch, p.Epoch - 1, p.Cost));
                }
                else
                {
                    // The JSON summary and the lines after a progress bar print every one of them at the end.
                    printed.Add((p.Epoch - 1, p.Cost));
                }
            }
        }

        if (cancellation.IsCancellationRequested)
        {
            // Ctrl+C while the data was read: training would stop after one epoch, and that model
            // would replace an existing --model file. Nothing was trained, so nothing is saved.
            error.WriteLine("interrupted: training had not started; no model was saved");
            return ExitCode.Interrupted;
        }

        var clock = Stopwatch.StartNew();
        Classifier trained;
        try
        {
            trained = plain
                ? Train(features, labels, weights, options, new SyncProgress<TrainingProgress>(Record), cancellation)
                : TrainWithProgressBar(features, labels, weights, options, Record, cancellation);
        }
        catch (TrainingCanceledException stopped)
        {
            // Ctrl+C is checked between batches; the model is that of the last completed batch.
            if (stopped.Model is null)
            {
                error.WriteLine("interrupted: training had not started; no model was saved");
                return ExitCode.Interrupted;
            }

            var partial = stopped.Model.WithNames(table.FeatureNames, table.LabelName, classes);
            var saved = settings.Model is not null;
            if (saved)
            {
                partial.Save(settings.Model!);
            }

            var where = stopped.Batch == 0
                ? $"after epoch {stopped.Epoch} of {options.Epochs}"
                : $"in epoch {stopped.Epoch + 1} of {options.Epochs}, after batch {stopped.Batch}";
            error.WriteLine(
                $"interrupted: training stopped {where}"
                + (saved ? $"; the model of that {(stopped.Batch == 0 ? "epoch" : "batch")} was saved to {settings.Model}" : "; no model was saved (no --model given)"));
            return ExitCode.Interrupted;
        }
        catch (TrainingDivergedException diverged)
        {
            error.WriteLine($"error: {Errors.OneLine(diverged.Message)} No model was written.");
            return ExitCode.Failed;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var classifier = trained.WithNames(table.FeatureNames, table.LabelName, classes);
        double trainAccuracy;
        double? testAccuracy;
        try
        {
            trainAccuracy = classifier.Evaluate(features, labels).Accuracy;
            testAccuracy = testFeatures is null ? null : classifier.Evaluate(testFeatures, testLabels!).Accuracy;
        }
        catch (OverflowException overflow)
        {
            // Finite weights so large that the forward pass overflows: the steps were too large, as in divergence.
            error.WriteLine(
                $"error: Training diverged: the trained network cannot be evaluated on {table.Source} ({Errors.OneLine(overflow.Message)}); "
                + "use a smaller --learning-rate. No model was written.");
            return ExitCode.Failed;
        }
        if (settings.Model is not null)
        {
            classifier.Save(settings.Model);
        }

        if (settings.Plot is not null)
        {
            Plots.LearningCurve(settings.Plot, classifier.Costs, classifier.ValidationCosts, classifier.CostEpochs);
        }

        if (settings.Json)
        {
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                new
                {
                    data = table.Source,
                    label = table.LabelName,
                    classes,
                    samples = new { train = labels.Length, test = testLabels?.Length ?? 0 },
                    features = table.FeatureNames.Count,
                    layers = classifier.Layers.Select(l => new { units = l.Units, inputs = l.Inputs, activation = l.Activation }),
                    optimizer = options.Optimizer.ToString(),
                    learningRate = options.LearningRate,
                    schedule = options.Schedule.Text,
                    warmup = options.Schedule.Warmup,
                    epochs = classifier.EpochsRun,
                    stopReason = classifier.StopReason.ToString(),
                    warnings = classifier.Warnings,
                    weightColumn = settings.WeightColumn,
                    classWeights = options.ClassWeights.ToString(),
                    stratified = options.Stratify,
                    printEvery = settings.PrintEvery,
                    costs = printed.Select(p => p.Cost),
                    validationCosts = classifier.ValidationCosts,
                    validationCostEpochs = classifier.ValidationCosts.Count > 0 ? classifier.CostEpochs : [],
                    trainAccuracy,
                    testAccuracy,
                    model = settings.Model,
                    kernels = Kernels.Summary(),
                    seconds,
                },
                Output.Json));
            return ExitCode.Success;
        }

        if (!plain)
        {
            foreach (var (epoch, cost) in printed)
            {
                output.WriteLine(CostLine(fullBatch, epoch, cost));
            }
        }

        Summary(output, plain, table, classifier, labels.Length, testLabels?.Length ?? 0, trainAccuracy, testAccuracy, settings, seconds);
        return ExitCode.Success;
    }

    private static string CostLine(bool fullBatch, int index, double cost) =>
        fullBatch
            ? $"Cost after iteration {index}: {Output.Number(cost)}"
            : $"Cost after epoch {index}: {Output.Number(cost)}";

    private static Classifier Train(
        double[,] features, int[] labels, double[]? weights, TrainingOptions options, IProgress<TrainingProgress> progress, CancellationToken cancellation) =>
        weights is null
            ? Classifier.Train(features, labels, options, progress, cancellation)
            : Classifier.Train(features, labels, weights, options, progress, cancellation);

    private static Classifier TrainWithProgressBar(
        double[,] features, int[] labels, double[]? weights, TrainingOptions options, Action<TrainingProgress> record, CancellationToken cancellation)
    {
        Classifier? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("Training", maxValue: options.Epochs);
                result = Train(
                    features,
                    labels,
                    weights,
                    options,
                    new SyncProgress<TrainingProgress>(p =>
                    {
                        record(p);
                        task.Value = p.Epoch;
                        task.Description = $"epoch {p.Epoch}/{p.Epochs}  cost {Output.Number(p.Cost)}"
                            + (p.ValidationCost is double v ? $"  validation {Output.Number(v)}" : string.Empty);
                    }),
                    cancellation);
            });
        return result!;
    }

    private static void Summary(
        TextWriter output, bool plain, Table table, Classifier classifier, int trainSamples, int testSamples,
        double trainAccuracy, double? testAccuracy, Settings settings, double seconds)
    {
        var rows = new List<(string, string)>
        {
            ("data", $"{table.Source} ({Counted(trainSamples + testSamples, "sample")}, {Counted(table.FeatureNames.Count, "feature")}, label '{table.LabelName}')"),
            ("classes", string.Join(", ", classifier.Classes)),
            ("network", string.Join(" -> ", classifier.Layers.Select(l => $"{l.Units} {l.Activation}").Prepend($"{classifier.FeatureCount} inputs"))),
            ("training", $"{settings.Options.Optimizer}, learning rate {settings.Options.LearningRate}, "
                + (settings.Options.BatchSize is int b ? $"batch {b}" : "full batch")
                + $", {classifier.EpochsRun} epochs" + (classifier.StopReason == StopReason.EarlyStopped ? " (stopped early)" : string.Empty)),
            ("schedule", settings.Options.Schedule.ToString()),
            ("final cost", classifier.Costs.Count > 0 ? Output.Number(classifier.Costs[^1]) : "-"),
            ("train accuracy", $"{Output.Percent(trainAccuracy)} ({trainSamples} samples)"),
            ("test accuracy", testAccuracy is double t ? $"{Output.Percent(t)} ({testSamples} samples)" : "no test split"),
            ("time", $"{seconds:F2} s, kernels: {Kernels.Summary()}"),
        };
        if (settings.WeightColumn is not null || settings.Options.ClassWeights.Weights is not null || settings.Options.ClassWeights.IsBalanced)
        {
            rows.Insert(4, ("weights", WeightOptions.Describe(settings.WeightColumn, settings.Options.ClassWeights)));
        }

        if (settings.Model is not null)
        {
            rows.Add(("model", settings.Model));
        }

        if (settings.Plot is not null)
        {
            rows.Add(("plot", settings.Plot));
        }

        rows.AddRange(classifier.Warnings.Select(w => ("warning", w)));
        Tables.Print(output, plain, rows);
    }

    /// <summary>"1 sample", "2 samples".</summary>
    private static string Counted(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");
}

/// <summary>An IProgress that reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
