// The one place where the facade touches F# types (options, lists, functions, tuples) and turns the
// facade's enums and options into the core's values. Everything else in the facade reads C#.

using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = Perceptron.Core;

namespace Perceptron;

internal static class Interop
{
    public static FSharpOption<int> Option(int? value) =>
        value is int v ? FSharpOption<int>.Some(v) : FSharpOption<int>.None;

    public static FSharpOption<T> Option<T>(T? value)
        where T : class =>
        value is null ? FSharpOption<T>.None : FSharpOption<T>.Some(value);

    public static T? OrNull<T>(FSharpOption<T>? option)
        where T : class =>
        option is null ? null : option.Value;

    public static double? OrNull(FSharpOption<double>? option) => option is null ? null : option.Value;

    // The two List forms below walk the lists themselves: LINQ's ToArray and F#'s List.ofSeq would add their
    // generic code to the JIT work of every process's first training call (issue 12).
    public static IReadOnlyList<T> List<T>(FSharpList<T> values)
    {
        var count = 0;
        for (var rest = values; !rest.IsEmpty; rest = rest.Tail)
        {
            count++;
        }

        var array = new T[count];
        var i = 0;
        for (var rest = values; !rest.IsEmpty; rest = rest.Tail)
        {
            array[i++] = rest.Head;
        }

        return Array.AsReadOnly(array);
    }

    public static FSharpList<T> List<T>(IEnumerable<T> values) => ListModule.OfSeq(values);

    /// <summary>An F# list of one value per item, in order.</summary>
    public static FSharpList<TOut> List<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> select)
    {
        var list = FSharpList<TOut>.Empty;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            list = FSharpList<TOut>.Cons(select(items[i]), list);
        }

        return list;
    }

    public static FSharpFunc<TIn, TOut> Function<TIn, TOut>(Func<TIn, TOut> function) =>
        FuncConvert.FromFunc(function);

    public static (T1, T2) Pair<T1, T2>(Tuple<T1, T2> pair) => (pair.Item1, pair.Item2);

    /// <summary>The layers of a network, input side first.</summary>
    public static IReadOnlyList<Core.Layer> Layers(Core.Network network) => List(network.Layers);

    public static Core.Network Network(IEnumerable<Core.Layer> layers) => new(List(layers));

    /// <summary>The gradients of a state's last update, per layer (empty before the first step).</summary>
    public static IReadOnlyList<Core.LayerGradients> Gradients(Core.TrainingState state) =>
        state.Gradients is null ? [] : List(state.Gradients.Value.Layers);

    public static Core.Standardization? Standardization(Core.Model model) => OrNull(model.Standardization);

    public static double? ValidationCost(Core.EpochReport report) => OrNull(report.ValidationCost);

    public static Core.Activation ToCore(Activation activation) => activation switch
    {
        Activation.Sigmoid => Core.Activation.Sigmoid,
        Activation.Tanh => Core.Activation.Tanh,
        Activation.Relu => Core.Activation.Relu,
        Activation.LeakyRelu => Core.Activation.LeakyRelu,
        _ => throw new ArgumentException($"Activation {activation} is unknown.", nameof(activation)),
    };

    public static Core.OptimizerKind ToCore(Optimizer optimizer) => optimizer switch
    {
        Optimizer.GradientDescent => Core.OptimizerKind.GradientDescent,
        Optimizer.Momentum => Core.OptimizerKind.Momentum,
        Optimizer.Adam => Core.OptimizerKind.Adam,
        _ => throw new ArgumentException($"Optimizer {optimizer} is unknown.", nameof(optimizer)),
    };

    public static Core.Initialization ToCore(Initialization initialization, double scale) => initialization switch
    {
        Initialization.Zeros => Core.Initialization.Zeros,
        Initialization.Normal => Core.Initialization.NewNormal(scale),
        Initialization.Xavier => Core.Initialization.Xavier,
        Initialization.He => Core.Initialization.He,
        _ => throw new ArgumentException($"Initialization {initialization} is unknown.", nameof(initialization)),
    };

    /// <summary>The index of the first weight that is not a finite number &gt;= 0 (the core's rule), if any.</summary>
    public static int? FirstInvalidWeight(double[] weights) =>
        Core.SampleWeights.FirstInvalid(weights) is { } i ? i.Value : null;

    /// <summary>What a sample or class weight must be, in the core's words.</summary>
    public const string WeightExpected = Core.SampleWeights.Expected;

    public static Core.ClassWeights ToCore(ClassWeights? weights) =>
        // The default instance first: its reference test spares the JIT the full comparison's code on a first call.
        weights is null || ReferenceEquals(weights, ClassWeights.None) || weights.Equals(ClassWeights.None) ? Core.ClassWeights.None
        : weights.IsBalanced ? Core.ClassWeights.Balanced
        : Core.ClassWeights.NewExplicit(weights.Weights!.ToArray());

    public static Core.TrainOptions ToCore(TrainingOptions options, Core.Optimizer optimizer, double[]? sampleWeights = null) => new(
        List(options.EffectiveLayers, static l => l.Size),
        ToCore(options.Activation),
        ToCore(options.EffectiveInitialization, options.InitScale),
        optimizer,
        options.Epochs,
        Option(options.BatchSize),
        options.Seed,
        options.Standardize,
        options.ValidationFraction,
        options.Stratify,
        options.Patience is int p
            ? FSharpOption<Core.EarlyStopping>.Some(new Core.EarlyStopping(p, options.Tolerance))
            : FSharpOption<Core.EarlyStopping>.None,
        Option(options.WarmStart?.Model),
        options.Classes is null ? FSharpOption<string[]>.None : FSharpOption<string[]>.Some(options.Classes.ToArray()),
        options.Schedule.ToCore(),
        options.Layers is null
            ? FSharpOption<FSharpList<Core.Activation>>.None
            : FSharpOption<FSharpList<Core.Activation>>.Some(List(options.Layers, static l => ToCore(l.Activation))),
        sampleWeights is null ? FSharpOption<double[]>.None : FSharpOption<double[]>.Some(sampleWeights),
        ToCore(options.ClassWeights));

    /// <summary>The core's default initialisation for hidden layers with these activations.</summary>
    public static Initialization DefaultInitialization(IReadOnlyList<HiddenLayer> hidden)
    {
        var chosen = Core.InitializationModule.DefaultFor(List(hidden, static l => ToCore(l.Activation)));
        return chosen.IsZeros ? Initialization.Zeros : chosen.IsHe ? Initialization.He : Initialization.Xavier;
    }

    /// <summary>What is wrong with a schedule's values, in one line; null when nothing is.</summary>
    public static string? ScheduleProblem(Core.Schedule schedule) => OrNull(Core.ScheduleModule.Problem(schedule));

    /// <summary>The decay of a schedule's text, or the one-line reason it is not one.</summary>
    public static (Core.Decay? Decay, string? Problem) ParseDecay(string text)
    {
        var result = Core.ScheduleModule.TryParse(text);
        return result.IsOk ? (result.ResultValue, null) : (null, result.ErrorValue);
    }

    public static void CheckOptions(TrainingOptions options, Core.Optimizer optimizer, OptionNames names) =>
        Core.ModelModule.CheckOptions(
            new Core.OptionNames(
                names.HiddenLayers, names.Initialization, names.Epochs, names.BatchSize, names.Patience, names.Tolerance,
                names.ValidationFraction, names.Flags),
            ToCore(options, optimizer));

    public static Core.RowNames ToCore(RowNames rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new Core.RowNames(rows.Rows, rows.First);
    }

    public static Core.Model Model(
        Core.Network network,
        Core.Standardization? standardization,
        IReadOnlyList<string> featureNames,
        string labelName,
        IReadOnlyList<string> classes,
        IReadOnlyList<double> costs,
        IReadOnlyList<double> validationCosts,
        IReadOnlyList<int> costEpochs,
        StopReason reason,
        int epochs,
        int epochsBefore = 0) => new(
        network,
        Option(standardization),
        featureNames.ToArray(),
        labelName,
        classes.ToArray(),
        new Core.TrainingRecord(List(costs), List(validationCosts), ToCore(reason), epochs, 0, epochsBefore, List(costEpochs)));

    public static Core.Model WithNames(Core.Model model, IReadOnlyList<string> featureNames, string labelName, IReadOnlyList<string> classes) =>
        new(model.Network, model.Standardization, featureNames.ToArray(), labelName, classes.ToArray(), model.Training);

    public static Core.StopReason ToCore(StopReason reason) => reason switch
    {
        StopReason.EarlyStopped => Core.StopReason.EarlyStopped,
        StopReason.Canceled => Core.StopReason.Interrupted,
        _ => Core.StopReason.Completed,
    };

    public static StopReason FromCore(Core.StopReason reason) =>
        reason.IsEarlyStopped ? StopReason.EarlyStopped
        : reason.IsInterrupted ? StopReason.Canceled
        : StopReason.Completed;

    public static Core.PreparedData Prepare(
        double[,] features, int[] labels, TrainingOptions options, Core.Optimizer optimizer, double[]? sampleWeights = null) =>
        Core.ModelModule.Prepare(ToCore(options, optimizer, sampleWeights), features, labels);

    public static Core.Model Train(
        double[,] features,
        int[] labels,
        TrainingOptions options,
        Core.Optimizer optimizer,
        Func<Core.EpochReport, bool> proceed,
        Func<bool> stopRequested,
        double[]? sampleWeights = null) =>
        Core.ModelModule.TrainUntil(
            ToCore(options, optimizer, sampleWeights), features, labels, Function(proceed), FuncConvert.FromFunc(stopRequested));

    public static IReadOnlyList<string> Warnings(Core.Model model) => List(Core.ModelModule.Warnings(model));

    public static double? RocAuc(Core.ModelEvaluation evaluation) => OrNull(evaluation.RocAuc);

    public static IEnumerable<Core.TrainingState> States(TrainingOptions options, Core.Optimizer optimizer, Core.PreparedData prepared) =>
        Core.ModelModule.States(ToCore(options, optimizer), prepared);

    public static Core.Model AtState(TrainingOptions options, Core.Optimizer optimizer, Core.PreparedData prepared, Core.TrainingState state) =>
        Core.ModelModule.AtState(ToCore(options, optimizer), prepared, state);

    public static (RocPoint[] Curve, double Area)? Roc(Core.ModelEvaluation evaluation) =>
        evaluation.Roc is null
            ? null
            : (List(evaluation.Roc.Value.Item1).Select(p => new RocPoint(p.Item1, p.Item2)).ToArray(), evaluation.Roc.Value.Item2);

    public static IReadOnlyList<Core.ClassScores> Scores(Core.ModelEvaluation evaluation) => List(evaluation.Scores);

    public static (int[] Train, int[] Test) HoldOut(SplitNames names, int seed, double fraction, int samples, int[]? stratifyBy) =>
        Pair(Core.Preprocessing.HoldOut(
            new Core.SplitNames(names.Fraction, names.Labels, names.Samples, Option(names.Source), names.Unstratified),
            seed,
            fraction,
            samples,
            Option(stratifyBy)));

    public static IReadOnlyList<string> HiddenActivationNames => List(Core.ActivationModule.HiddenNames);

    public static IReadOnlyList<string> InitializationNames => List(Core.InitializationModule.Names);

    /// <summary>The output layer's activation name and units for a number of classes (at least 2).</summary>
    public static (string Activation, int Units) OutputLayer(int classes) =>
        (Core.ActivationModule.Name(Core.NetworkModule.OutputActivation(classes)), Core.NetworkModule.OutputUnits(classes));

    public static Core.Activation? ParseActivation(string name) => Core.ActivationModule.TryParse(name) is { } a ? a.Value : null;

    public static (Core.LogisticGradients Gradients, double Cost) Pair(Tuple<Core.LogisticGradients, double> result) =>
        (result.Item1, result.Item2);
}
