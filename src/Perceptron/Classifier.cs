using System.Globalization;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>Why training ended.</summary>
public enum StopReason
{
    /// <summary>Every requested epoch ran.</summary>
    Completed,

    /// <summary>The validation cost stopped improving (<see cref="TrainingOptions.Patience"/>); the best epoch's model is kept.</summary>
    EarlyStopped,

    /// <summary>Training stopped before every epoch ran (cancelled, or a state taken mid-way); the model is that of the last completed step.</summary>
    Canceled,
}

/// <summary>One layer of a trained network, for inspection. Immutable.</summary>
public sealed class LayerInfo
{
    private readonly double[,] weights;

    internal LayerInfo(Core.Layer layer)
    {
        weights = layer.Weights;
        Bias = Array.AsReadOnly((double[])layer.Bias.Clone());
        Activation = Core.ActivationModule.Name(layer.Activation);
    }

    /// <summary>The number of units (outputs).</summary>
    public int Units => weights.GetLength(0);

    /// <summary>The number of inputs.</summary>
    public int Inputs => weights.GetLength(1);

    /// <summary>"sigmoid", "tanh", "relu", "leaky_relu" or "softmax".</summary>
    public string Activation { get; }

    /// <summary>One bias per unit.</summary>
    public IReadOnlyList<double> Bias { get; }

    /// <summary>The weight from input <paramref name="input"/> to unit <paramref name="unit"/>.</summary>
    public double Weight(int unit, int input) => weights[unit, input];

    /// <summary>A copy of the weights, units x inputs.</summary>
    public double[,] CopyWeights() => (double[,])weights.Clone();
}

/// <summary>
/// A trained feed-forward classifier: the perceptron when it has no hidden layer, an MLP otherwise.
/// Immutable and safe to share between threads. Samples are rows; labels are classes 0..K-1.
/// </summary>
public sealed partial class Classifier
{
    internal Classifier(
        Core.Network network,
        Core.Standardization? standardization,
        IReadOnlyList<string> featureNames,
        string labelName,
        IReadOnlyList<string> classes,
        IReadOnlyList<double> costs,
        IReadOnlyList<double> validationCosts,
        StopReason stopReason,
        int epochs,
        TrainingOptions? options)
    {
        Network = network;
        Standardization = standardization;
        FeatureNames = featureNames;
        LabelName = labelName;
        Classes = classes;
        Costs = costs;
        ValidationCosts = validationCosts;
        StopReason = stopReason;
        EpochsRun = epochs;
        Options = options;
        Layers = Array.AsReadOnly(network.Layers.Select(l => new LayerInfo(l)).ToArray());
    }

    internal Core.Network Network { get; }

    internal Core.Standardization? Standardization { get; }

    /// <summary>The feature (column) names, in input order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The name of the label column.</summary>
    public string LabelName { get; }

    /// <summary>The class names; class i of <see cref="Predict"/> is <c>Classes[i]</c>.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The mean training cost of each epoch.</summary>
    public IReadOnlyList<double> Costs { get; }

    /// <summary>The validation cost after each epoch (empty without a validation split).</summary>
    public IReadOnlyList<double> ValidationCosts { get; }

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>The number of epochs that ran.</summary>
    public int EpochsRun { get; }

    /// <summary>The options the model was trained with (null for a model loaded from a file).</summary>
    public TrainingOptions? Options { get; }

    /// <summary>The layers, input side first; the last is the sigmoid or softmax output layer.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Whether features are standardised with the training mean and std before the network sees them.</summary>
    public bool Standardizes => Standardization is not null;

    /// <summary>The number of input features.</summary>
    public int FeatureCount => Network.Inputs;

    /// <summary>Trains a classifier on samples-as-rows features and labels 0..K-1 (K &gt;= 2).</summary>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">One class index per sample, 0..K-1; at least two classes must occur.</param>
    /// <param name="options">Architecture, optimizer and schedule; null for the defaults.</param>
    /// <param name="progress">Told after every epoch.</param>
    /// <param name="cancellationToken">Checked after every epoch; see <see cref="TrainingCanceledException"/>.</param>
    /// <exception cref="ArgumentException">Bad data or options; the message names the argument.</exception>
    /// <exception cref="TrainingCanceledException">Cancelled; it carries the model of the last completed epoch.</exception>
    /// <exception cref="TrainingDivergedException">The cost became NaN or infinite.</exception>
    public static Classifier Train(
        double[,] features,
        int[] labels,
        TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new TrainingOptions();
        var prepared = Prepare(features, labels, options);
        var optimizer = CoreOptimizer(options);
        var start = Core.Training.Init(optimizer, prepared.Network);
        var fit = new Core.FitOptions(
            options.Epochs,
            options.BatchSize is int b ? FSharpOption<int>.Some(b) : FSharpOption<int>.None,
            options.Seed,
            prepared.Validation,
            options.Patience is int p
                ? FSharpOption<Core.EarlyStopping>.Some(new Core.EarlyStopping(p, options.Tolerance))
                : FSharpOption<Core.EarlyStopping>.None);

        var proceed = FuncConvert.FromFunc<Core.EpochReport, bool>(report =>
        {
            double? validation = report.ValidationCost is null ? null : report.ValidationCost.Value;
            progress?.Report(new TrainingProgress(report.Epoch, options.Epochs, report.Cost, validation));
            return !cancellationToken.IsCancellationRequested;
        });

        var result = Core.Training.Fit(optimizer, fit, prepared.Features, prepared.Labels, start, proceed);
        var costs = LogisticRegression.ToList(result.Costs);
        var validationCosts = LogisticRegression.ToList(result.ValidationCosts);

        if (result.Reason.IsDiverged)
        {
            // Costs holds every finite epoch; the next one is where the cost stopped being finite.
            var epoch = result.Costs.Length + 1;
            throw new TrainingDivergedException(
                $"Training diverged: the cost became NaN or infinite in epoch {epoch} with learning rate "
                + $"{options.LearningRate.ToString(CultureInfo.InvariantCulture)}; try a smaller learning rate "
                + $"(e.g. {(options.LearningRate / 10).ToString(CultureInfo.InvariantCulture)})"
                + (options.Standardize ? "." : " or standardised features."),
                epoch);
        }

        var model = new Classifier(
            result.Network,
            prepared.Standardization,
            prepared.FeatureNames,
            prepared.LabelName,
            prepared.Classes,
            costs,
            validationCosts,
            result.Reason.IsEarlyStopped ? StopReason.EarlyStopped
                : result.Reason.IsInterrupted ? StopReason.Canceled
                : StopReason.Completed,
            result.State.Epoch,
            options);

        if (result.Reason.IsInterrupted)
        {
            throw new TrainingCanceledException(model, cancellationToken);
        }

        return model;
    }

    /// <summary>The predicted class index of each sample (probability &gt; 0.5 for two classes, the most probable otherwise).</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite.</param>
    public int[] Predict(double[,] features) => Core.Prediction.Predict(Network, Input(features, nameof(features)));

    /// <summary>Class probabilities, samples x classes (each row sums to 1).</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite.</param>
    public double[,] PredictProbabilities(double[,] features) =>
        Core.Prediction.Probabilities(Network, Input(features, nameof(features)));

    /// <summary>Accuracy, confusion matrix, per-class scores, log loss and (two classes) ROC AUC.</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite.</param>
    /// <param name="labels">One class index per sample.</param>
    public Evaluation Evaluate(double[,] features, int[] labels)
    {
        var probabilities = PredictProbabilities(features);
        Guard.Labels(labels, nameof(labels), features.GetLength(0), Classes.Count);
        return Evaluation.From(Classes, labels, probabilities);
    }

    /// <summary>A copy with the names of the features, the label column and the classes (as saved in model files).</summary>
    public Classifier WithNames(IReadOnlyList<string> featureNames, string labelName, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labelName);
        ArgumentNullException.ThrowIfNull(classes);
        if (featureNames.Count != FeatureCount)
        {
            throw new ArgumentException(
                $"featureNames has {featureNames.Count} names; the model has {FeatureCount} features.", nameof(featureNames));
        }

        if (classes.Count != Classes.Count)
        {
            throw new ArgumentException(
                $"classes has {classes.Count} names; the model has {Classes.Count} classes.", nameof(classes));
        }

        return new Classifier(
            Network, Standardization, featureNames.ToArray(), labelName, classes.ToArray(), Costs, ValidationCosts,
            StopReason, EpochsRun, Options);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Classifier({string.Join(" -> ", Layers.Select(l => $"{l.Units} {l.Activation}").Prepend($"{FeatureCount} inputs"))})";

    internal double[,] Input(double[,] features, string name)
    {
        Guard.Features(features, name, FeatureCount);
        return Standardization is null ? features : Core.Preprocessing.Standardize(Standardization, features);
    }

    internal static Core.Optimizer CoreOptimizer(TrainingOptions options)
    {
        var optimizer = options.Optimizer switch
        {
            Optimizer.GradientDescent => Core.OptimizerModule.GradientDescent(options.LearningRate),
            Optimizer.Momentum => Core.OptimizerModule.Momentum(options.LearningRate, options.Momentum),
            Optimizer.Adam => Core.OptimizerModule.Adam(options.LearningRate, options.Beta1, options.Beta2, 1e-8),
            _ => throw new ArgumentException($"Optimizer {options.Optimizer} is unknown.", nameof(options)),
        };
        return Core.OptimizerModule.WithL2(options.L2, optimizer);
    }

    internal static Core.Activation CoreActivation(Activation activation) => activation switch
    {
        Activation.Sigmoid => Core.Activation.Sigmoid,
        Activation.Tanh => Core.Activation.Tanh,
        Activation.Relu => Core.Activation.Relu,
        Activation.LeakyRelu => Core.Activation.LeakyRelu,
        _ => throw new ArgumentException($"Activation {activation} is unknown.", nameof(activation)),
    };

    internal static Core.Initialization CoreInitialization(TrainingOptions options) => options.EffectiveInitialization switch
    {
        Initialization.Zeros => Core.Initialization.Zeros,
        Initialization.Normal => Core.Initialization.NewNormal(options.InitScale),
        Initialization.Xavier => Core.Initialization.Xavier,
        Initialization.He => Core.Initialization.He,
        _ => throw new ArgumentException($"Initialization {options.Initialization} is unknown.", nameof(options)),
    };

    internal static string[] DefaultFeatureNames(int count) =>
        Enumerable.Range(0, count).Select(i => $"x{i}").ToArray();

    internal static string[] DefaultClasses(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Checked, split and standardised data and the starting network, as Train and the step sequence use them.</summary>
    internal sealed record Prepared(
        double[,] Features,
        int[] Labels,
        FSharpOption<Tuple<double[,], int[]>> Validation,
        Core.Standardization? Standardization,
        Core.Network Network,
        IReadOnlyList<string> FeatureNames,
        string LabelName,
        IReadOnlyList<string> Classes);

    internal static Prepared Prepare(double[,] features, int[] labels, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Guard.Features(features, nameof(features));
        var samples = features.GetLength(0);
        Guard.Labels(labels, nameof(labels), samples);
        var classes = labels.Max() + 1;
        var distinct = labels.Distinct().Count();
        if (distinct < 2)
        {
            throw new ArgumentException(
                $"labels holds a single class ({labels[0]}); expected at least two classes to tell apart.", nameof(labels));
        }

        var warm = options.WarmStart;
        if (warm is not null)
        {
            if (warm.FeatureCount != features.GetLength(1))
            {
                throw new ArgumentException(
                    $"WarmStart has {warm.FeatureCount} features; features has {features.GetLength(1)} columns.",
                    nameof(options));
            }

            if (classes > warm.Classes.Count)
            {
                throw new ArgumentException(
                    $"labels has class {classes - 1}; the WarmStart model knows {warm.Classes.Count} classes.",
                    nameof(options));
            }

            classes = warm.Classes.Count;
        }

        FSharpOption<Tuple<double[,], int[]>> validation = FSharpOption<Tuple<double[,], int[]>>.None;
        double[,] trainFeatures = features;
        int[] trainLabels = labels;
        double[,]? validationFeatures = null;
        int[]? validationLabels = null;
        if (options.ValidationFraction > 0)
        {
            var held = Math.Max(1, (int)Math.Round(options.ValidationFraction * samples, MidpointRounding.ToEven));
            if (held >= samples)
            {
                throw new ArgumentException(
                    $"ValidationFraction {options.ValidationFraction} holds out {held} of {samples} samples and leaves none "
                    + "for training; expected a smaller fraction or more samples.",
                    nameof(options.ValidationFraction));
            }

            var split = Core.Preprocessing.Split(options.Seed, options.ValidationFraction, samples);
            trainFeatures = Core.Preprocessing.TakeRows(split.Item1, features);
            trainLabels = split.Item1.Select(i => labels[i]).ToArray();
            validationFeatures = Core.Preprocessing.TakeRows(split.Item2, features);
            validationLabels = split.Item2.Select(i => labels[i]).ToArray();
        }

        var standardization = warm is not null
            ? warm.Standardization
            : options.Standardize ? Core.Preprocessing.FitStandardization(trainFeatures) : null;
        if (standardization is not null)
        {
            trainFeatures = Core.Preprocessing.Standardize(standardization, trainFeatures);
            if (validationFeatures is not null)
            {
                validationFeatures = Core.Preprocessing.Standardize(standardization, validationFeatures);
            }
        }

        if (validationFeatures is not null && validationLabels is not null)
        {
            validation = FSharpOption<Tuple<double[,], int[]>>.Some(Tuple.Create(validationFeatures, validationLabels));
        }

        var network = warm is not null
            ? warm.Network
            : Core.NetworkModule.Initialize(
                CoreInitialization(options),
                options.Seed,
                features.GetLength(1),
                ListModule.OfSeq(options.HiddenLayers),
                CoreActivation(options.Activation),
                classes);

        return new Prepared(
            trainFeatures,
            trainLabels,
            validation,
            standardization,
            network,
            warm?.FeatureNames ?? DefaultFeatureNames(features.GetLength(1)),
            warm?.LabelName ?? "label",
            warm?.Classes ?? DefaultClasses(classes));
    }
}

/// <summary>Thrown when training is cancelled; <see cref="Model"/> holds the last completed epoch's model.</summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    internal TrainingCanceledException(Classifier model, CancellationToken token)
        : base($"Training was cancelled after epoch {model.EpochsRun}.", token) => Model = model;

    /// <summary>The model after the last completed epoch.</summary>
    public Classifier Model { get; }
}

/// <summary>Thrown when the cost becomes NaN or infinite; no model with non-finite weights is ever returned.</summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    internal TrainingDivergedException(string message, int epoch)
        : base(message) => Epoch = epoch;

    /// <summary>The epoch in which the cost stopped being finite.</summary>
    public int Epoch { get; }
}
