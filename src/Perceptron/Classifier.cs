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
    internal Classifier(Core.Model model, TrainingOptions? options, bool sampleWeighted = false)
    {
        SampleWeighted = sampleWeighted;
        Warnings = Interop.Warnings(model);
        Model = model;
        Standardization = Interop.Standardization(model);
        FeatureNames = Array.AsReadOnly(model.FeatureNames);
        Classes = Array.AsReadOnly(model.Classes);
        Costs = Interop.List(model.Training.Costs);
        ValidationCosts = Interop.List(model.Training.ValidationCosts);
        CostEpochs = Interop.List(model.Training.CostEpochs);
        StopReason = Interop.FromCore(model.Training.Reason);
        Options = options;
        var layers = Interop.Layers(model.Network);
        var infos = new LayerInfo[layers.Count];
        for (var i = 0; i < infos.Length; i++)
        {
            infos[i] = new LayerInfo(layers[i]);
        }

        Layers = Array.AsReadOnly(infos);
    }

    /// <summary>The core's model value, which every prediction and evaluation goes through.</summary>
    internal Core.Model Model { get; }

    internal Core.Network Network => Model.Network;

    internal Core.Standardization? Standardization { get; }

    /// <summary>The feature (column) names, in input order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The name of the label column.</summary>
    public string LabelName => Model.LabelName;

    /// <summary>The class names; class i of <see cref="Predict(double[,])"/> is <c>Classes[i]</c>.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>
    /// The mean training cost of the completed epochs that <see cref="CostEpochs"/> names, the L2 penalty included (see
    /// <see cref="TrainingOptions.L2"/>). Every epoch up to 10,000 epochs; in a longer run every k-th epoch (k doubling as
    /// it runs) and always the last one, so that at most 10,000 costs are kept however many epochs run.
    /// </summary>
    public IReadOnlyList<double> Costs { get; }

    /// <summary>The validation cost after the epochs that <see cref="CostEpochs"/> names, the L2 penalty included (empty without a validation split).</summary>
    public IReadOnlyList<double> ValidationCosts { get; }

    /// <summary>The epoch (1 for the first) of each entry of <see cref="Costs"/> and <see cref="ValidationCosts"/>, increasing.</summary>
    public IReadOnlyList<int> CostEpochs { get; }

    /// <summary>
    /// What training warns about without failing, one sentence each; empty when all is well. For example a
    /// training cost that ended above the first epoch's: a learning rate too large can blow the cost up while
    /// it stays finite (a cost that becomes NaN or infinite is an error: <see cref="TrainingDivergedException"/>).
    /// Computed from <see cref="Costs"/>, so a loaded model warns as the trained one did.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; }

    /// <summary>The number of epochs that ran to their end.</summary>
    public int EpochsRun => Model.Training.Epochs;

    /// <summary>
    /// The options the model was trained with. For a model read by <see cref="Load"/> or <see cref="FromDocument"/>,
    /// the settings the model file records (hidden layers, activation, optimizer, learning rate, batch size, L2,
    /// initialisation and its scale, seed, standardisation, the learning-rate schedule, <see cref="TrainingOptions.Layers"/>
    /// when the hidden layers' activations differ, and the epochs that ran as <see cref="TrainingOptions.Epochs"/>);
    /// the file does not record Momentum, Beta1, Beta2, ValidationFraction, Patience, Tolerance or Classes, which show
    /// their defaults. Null when the file records no optimizer or learning rate (a file not written by this library).
    /// </summary>
    public TrainingOptions? Options { get; }

    /// <summary>Whether the model was trained with sample weights (as the model file records it).</summary>
    public bool SampleWeighted { get; }

    /// <summary>The layers, input side first; the last is the sigmoid or softmax output layer.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Whether features are standardised with the training mean and std before the network sees them.</summary>
    public bool Standardizes => Standardization is not null;

    /// <summary>The number of input features.</summary>
    public int FeatureCount => Network.Inputs;

    /// <summary>Trains a classifier on samples-as-rows features and labels 0..K-1 (K &gt;= 2).</summary>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">One class index per sample, 0..K-1; every class from 0 to K-1 must occur, unless
    /// <see cref="TrainingOptions.Classes"/> declares them.</param>
    /// <param name="options">Architecture, optimizer and schedule; null for the defaults.</param>
    /// <param name="progress">Told after every epoch.</param>
    /// <param name="cancellationToken">Checked before training starts and between batches; see <see cref="TrainingCanceledException"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad data or options (an <see cref="ArgumentOutOfRangeException"/> for a value out of range);
    /// the message names the argument or the options property.</exception>
    /// <exception cref="TrainingCanceledException">Cancelled; it carries the model of the last completed batch
    /// (no model when it was cancelled before the first batch).</exception>
    /// <exception cref="TrainingDivergedException">The cost became NaN or infinite.</exception>
    public static Classifier Train(
        double[,] features,
        int[] labels,
        TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        TrainWith(features, labels, null, options, progress, cancellationToken);

    /// <summary>
    /// Trains a classifier with a weight per sample: the cost is the weighted mean Σ wᵢ Lᵢ / Σ wᵢ (plus the L2
    /// penalty), so a sample of weight 2 counts as that sample twice and one of weight 0 not at all. The validation
    /// cost and early stopping use the held-out samples' weights; <see cref="TrainingOptions.ClassWeights"/> multiply in.
    /// </summary>
    /// <param name="features">samples x features, finite.</param>
    /// <param name="labels">One class index per sample, 0..K-1 (see <see cref="Train(double[,], int[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>).</param>
    /// <param name="sampleWeights">One weight per sample, each finite and &gt;= 0, not all 0.</param>
    /// <param name="options">Architecture, optimizer and schedule; null for the defaults.</param>
    /// <param name="progress">Told after every epoch.</param>
    /// <param name="cancellationToken">Checked before training starts and between batches; see <see cref="TrainingCanceledException"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/>, <paramref name="labels"/> or <paramref name="sampleWeights"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad data, weights or options; the message names the argument or the options property.</exception>
    /// <exception cref="TrainingCanceledException">Cancelled; it carries the model of the last completed batch.</exception>
    /// <exception cref="TrainingDivergedException">The cost became NaN or infinite.</exception>
    public static Classifier Train(
        double[,] features,
        int[] labels,
        double[] sampleWeights,
        TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sampleWeights);
        return TrainWith(features, labels, sampleWeights, options, progress, cancellationToken);
    }

    private static Classifier TrainWith(
        double[,] features,
        int[] labels,
        double[]? sampleWeights,
        TrainingOptions? options,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            throw new TrainingCanceledException(null, 0, 0, cancellationToken);
        }

        options ??= new TrainingOptions();
        options.Validate();
        var trained = Interop.Train(
            features,
            labels,
            options,
            CoreOptimizer(options),
            report =>
            {
                progress?.Report(new TrainingProgress(report.Epoch, options.Epochs, report.Cost, Interop.ValidationCost(report)));
                return !cancellationToken.IsCancellationRequested;
            },
            () => cancellationToken.IsCancellationRequested,
            sampleWeights);

        if (trained.Training.Reason.IsDiverged)
        {
            var epoch = Core.ModelModule.DivergedEpoch(trained);
            throw new TrainingDivergedException(
                Core.ModelModule.DivergenceMessage(options.LearningRate, options.Standardize, epoch), epoch);
        }

        var model = new Classifier(trained, options, sampleWeights is not null);
        if (trained.Training.Reason.IsInterrupted)
        {
            // Cancelled before the first step (while the data was prepared): there is no trained model to hand back.
            var started = trained.Training.Epochs > 0 || trained.Training.Batch > 0;
            throw new TrainingCanceledException(started ? model : null, trained.Training.Epochs, trained.Training.Batch, cancellationToken);
        }

        return model;
    }

    /// <summary>The predicted class index of each sample (probability &gt; 0.5 for two classes, the most probable otherwise).</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite; 0 samples give an empty result.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> columns, or a value that is not finite.</exception>
    public int[] Predict(double[,] features) => Core.ModelModule.Predict(Model, features);

    /// <summary><see cref="Predict(double[,])"/>, naming a row that cannot be standardised or overflows as <paramref name="rows"/> says.</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite; 0 samples give an empty result.</param>
    /// <param name="rows">How messages name a row, e.g. a file's "data row" counted from 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="rows"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> columns, or a value that is not finite.</exception>
    public int[] Predict(double[,] features, RowNames rows) => Core.ModelModule.PredictWith(Interop.ToCore(rows), Model, features);

    /// <summary>The predicted class index of one sample.</summary>
    /// <param name="features">The sample's <see cref="FeatureCount"/> features, finite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> values, or a value that is not finite.</exception>
    public int Predict(double[] features) => Predict(Row(features))[0];

    /// <summary>The predicted class name (<c>Classes[Predict(...)]</c>) of each sample.</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite; 0 samples give an empty result.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> columns, or a value that is not finite.</exception>
    public string[] PredictClassNames(double[,] features) => Array.ConvertAll(Predict(features), c => Classes[c]);

    /// <summary>The predicted class name of one sample.</summary>
    /// <param name="features">The sample's <see cref="FeatureCount"/> features, finite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> values, or a value that is not finite.</exception>
    public string PredictClassName(double[] features) => Classes[Predict(features)];

    /// <summary>Class probabilities, samples x classes (each row sums to 1).</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite; 0 samples give 0 rows.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> columns, or a value that is not finite.</exception>
    public double[,] PredictProbabilities(double[,] features) => Core.ModelModule.Probabilities(Model, features);

    /// <summary><see cref="PredictProbabilities(double[,])"/>, naming a row that cannot be standardised or overflows as <paramref name="rows"/> says.</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite; 0 samples give 0 rows.</param>
    /// <param name="rows">How messages name a row, e.g. a file's "data row" counted from 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="rows"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> columns, or a value that is not finite.</exception>
    public double[,] PredictProbabilities(double[,] features, RowNames rows) =>
        Core.ModelModule.ProbabilitiesWith(Interop.ToCore(rows), Model, features);

    /// <summary>The class probabilities of one sample (they sum to 1); element i is that of <c>Classes[i]</c>.</summary>
    /// <param name="features">The sample's <see cref="FeatureCount"/> features, finite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">Not <see cref="FeatureCount"/> values, or a value that is not finite.</exception>
    public double[] PredictProbabilities(double[] features)
    {
        var probabilities = PredictProbabilities(Row(features));
        var result = new double[probabilities.GetLength(1)];
        for (var c = 0; c < result.Length; c++)
        {
            result[c] = probabilities[0, c];
        }

        return result;
    }

    /// <summary>Accuracy, confusion matrix, per-class scores, log loss and ROC AUC (one-vs-rest for several classes).</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite, at least one sample.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad shapes, a value that is not finite, or a label that is not a class of the model.</exception>
    public Evaluation Evaluate(double[,] features, int[] labels) =>
        Evaluation.From(Classes, labels, Core.ModelModule.Evaluate(Model, features, labels));

    /// <summary><see cref="Evaluate(double[,], int[])"/>, naming a row that cannot be standardised or overflows as <paramref name="rows"/> says.</summary>
    /// <param name="features">samples x <see cref="FeatureCount"/>, finite, at least one sample.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="rows">How messages name a row, e.g. a file's "data row" counted from 1.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Bad shapes, a value that is not finite, or a label that is not a class of the model.</exception>
    public Evaluation Evaluate(double[,] features, int[] labels, RowNames rows) =>
        Evaluation.From(Classes, labels, Core.ModelModule.EvaluateWith(Interop.ToCore(rows), Model, features, labels));

    /// <summary>One sample as a 1 x features matrix, for the single-sample overloads.</summary>
    private static double[,] Row(double[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var row = new double[1, features.Length];
        for (var j = 0; j < features.Length; j++)
        {
            row[0, j] = features[j];
        }

        return row;
    }

    /// <summary>A copy with the names of the features, the label column and the classes (as saved in model files).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">Not one name per feature, or not one per class.</exception>
    public Classifier WithNames(IReadOnlyList<string> featureNames, string labelName, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(labelName);
        ArgumentNullException.ThrowIfNull(classes);
        if (featureNames.Count != FeatureCount)
        {
            throw new ArgumentException(
                $"featureNames has {MessageText.Count(featureNames.Count, "name", "names")}; the model has {MessageText.Count(FeatureCount, "feature", "features")}.", nameof(featureNames));
        }

        if (classes.Count != Classes.Count)
        {
            throw new ArgumentException(
                $"classes has {MessageText.Count(classes.Count, "name", "names")}; the model has {Classes.Count} classes.", nameof(classes));
        }

        return new Classifier(Interop.WithNames(Model, featureNames, labelName, classes), Options, SampleWeighted);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Classifier({string.Join(" -> ", Layers.Select(l => $"{l.Units} {l.Activation}").Prepend($"{FeatureCount} inputs"))})";

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

    /// <summary>Checked, split and standardised data and the starting network, as the step sequence and the gradient check use them.</summary>
    internal sealed record Prepared(Core.PreparedData Data, Core.Optimizer Optimizer)
    {
        public double[,] Features => Data.Features;

        public int[] Labels => Data.Labels;

        public Core.Network Network => Data.Network;
    }

    internal static Prepared Prepare(double[,] features, int[] labels, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var optimizer = CoreOptimizer(options);
        return new Prepared(Interop.Prepare(features, labels, options, optimizer), optimizer);
    }
}
