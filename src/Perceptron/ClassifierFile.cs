using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>Saving and loading classifiers as model files (docs/model-format.md).</summary>
public sealed partial class Classifier
{
    /// <summary>Writes the model to a JSON model file atomically: an existing file is replaced only by a complete one.</summary>
    /// <param name="path">The model file to write.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist; the message names the path.</exception>
    /// <exception cref="IOException">The file cannot be written (a directory in its place, no permission, disk full, ...); the message names it.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ModelFile.Write(path, ToDocument());
    }

    /// <summary>Reads a model file written by <see cref="Save"/> (or by the console host).</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist; the message names it.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read (a directory, no permission, ...); the message names it.</exception>
    /// <exception cref="DataFormatException">The file is not JSON or not a valid model; the message says where.</exception>
    public static Classifier Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = FileErrors.OpenRead(path, "a perceptron model file");
        return FromDocument(ModelFile.Read(stream, path));
    }

    /// <summary>The model as a model-file document.</summary>
    public ModelDocument ToDocument()
    {
        var layers = Interop.Layers(Network);
        // One name for the hidden layers only when they share it; each layer records its own either way.
        var hidden = layers.Count > 1 && layers.SkipLast(1).All(l => l.Activation.Equals(layers[0].Activation)) ? layers[0].Activation : null;
        return new ModelDocument
        {
            Features = FeatureNames,
            Label = LabelName,
            Classes = Classes,
            Standardization = Standardization is null
                ? null
                : new Standardization((double[])Standardization.Mean.Clone(), (double[])Standardization.Std.Clone()),
            Layers = layers
                .Select(l => new LayerDocument(
                    Core.ActivationModule.Name(l.Activation), (double[,])l.Weights.Clone(), (double[])l.Bias.Clone()))
                .ToArray(),
            Training = new TrainingDocument
            {
                Epochs = EpochsRun,
                LearningRate = Options?.LearningRate,
                Optimizer = Options is null ? null : Names.Of(Options.Optimizer),
                BatchSize = Options?.BatchSize,
                L2 = Options?.L2,
                Initialization = Options is null ? null : Names.Of(Options.EffectiveInitialization),
                InitScale = Options?.EffectiveInitialization == Initialization.Normal ? Options.InitScale : null,
                Seed = Options?.Seed,
                HiddenActivation = hidden is null ? null : Core.ActivationModule.Name(hidden),
                StoppedEarly = StopReason == StopReason.EarlyStopped,
                Costs = Costs,
                ValidationCosts = ValidationCosts.Count > 0 ? ValidationCosts : null,
                Schedule = Options is { } options && options.Schedule != LearningRateSchedule.Constant ? options.Schedule.Text : null,
                Warmup = Options?.Schedule.Warmup > 0 ? Options.Schedule.Warmup : null,
                EpochsBefore = Model.Training.EpochsBefore > 0 ? Model.Training.EpochsBefore : null,
                // Omitted when every epoch is there, as in files written before histories were thinned.
                CostEpochs = CostEpochs.Where((epoch, i) => epoch != i + 1).Any() ? CostEpochs : null,
                ClassWeights = Options is null || Options.ClassWeights.Equals(ClassWeights.None) ? null : Options.ClassWeights,
                SampleWeights = SampleWeighted ? true : null,
                Stratified = Options?.Stratify,
            },
        };
    }

    /// <summary>A classifier from a model-file document (checked with <see cref="ModelFile.Validate"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="document"/> is null.</exception>
    /// <exception cref="ArgumentException">The document is not a valid model; the message names the element.</exception>
    public static Classifier FromDocument(ModelDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        ModelFile.Validate(document);
        var layers = document.Layers.Select(l => new Core.Layer(
            (double[,])l.Weights.Clone(),
            (double[])l.Bias.Clone(),
            Interop.ParseActivation(l.Activation)!));
        var network = Core.NetworkModule.Validate(Interop.Network(layers));
        var standardization = document.Standardization is null
            ? null
            : new Core.Standardization(
                (double[])document.Standardization.Mean.Clone(), (double[])document.Standardization.Std.Clone());
        var model = Interop.Model(
            network,
            standardization,
            document.Features,
            document.Label,
            document.Classes,
            document.Training.Costs,
            document.Training.ValidationCosts ?? [],
            document.Training.CostEpochs ?? Enumerable.Range(1, document.Training.Costs.Count).ToArray(),
            document.Training.StoppedEarly == true ? StopReason.EarlyStopped : StopReason.Completed,
            document.Training.Epochs ?? 0,
            document.Training.EpochsBefore ?? 0);
        return new Classifier(model, RecordedOptions(document), document.Training.SampleWeights == true);
    }

    /// <summary>The options a model file records, or null when it records no optimizer or learning rate.</summary>
    private static TrainingOptions? RecordedOptions(ModelDocument document)
    {
        var training = document.Training;
        Optimizer? optimizer = training.Optimizer is { } recorded && Names.Optimizers.TryGetValue(recorded, out var o) ? o : null;
        if (optimizer is null || training.LearningRate is not double learningRate)
        {
            return null;
        }

        var defaults = new TrainingOptions();
        var initialization = training.Initialization is { } name && Names.Initializations.TryGetValue(name, out var i) ? i : (Initialization?)null;
        var activations = document.Layers.SkipLast(1).Select(l => Names.ParseActivation(l.Activation)).ToArray();
        var schedule = training.Schedule is { } text ? LearningRateSchedule.Parse(text) : LearningRateSchedule.Constant;
        return defaults with
        {
            // Per-layer activations only when the hidden layers differ, so a uniform network reads as before.
            Layers = activations.Distinct().Count() > 1 && activations.All(a => a is not null)
                ? document.Layers.SkipLast(1).Select((l, k) => new HiddenLayer(l.Units, activations[k]!.Value)).ToArray()
                : null,
            Schedule = schedule with { Warmup = training.Warmup ?? 0 },
            HiddenLayers = document.Layers.Take(document.Layers.Count - 1).Select(l => l.Units).ToArray(),
            Activation = training.HiddenActivation is { } hidden && Names.ParseActivation(hidden) is Activation a ? a : defaults.Activation,
            Optimizer = optimizer.Value,
            LearningRate = learningRate,
            Epochs = training.Epochs is int epochs and > 0 ? epochs : defaults.Epochs,
            BatchSize = training.BatchSize,
            L2 = training.L2 ?? 0,
            Initialization = initialization,
            InitScale = training.InitScale ?? defaults.InitScale,
            Seed = training.Seed ?? 0,
            Standardize = document.Standardization is not null,
            ClassWeights = training.ClassWeights ?? ClassWeights.None,
            // Files from before stratified splits were split without keeping class shares.
            Stratify = training.Stratified ?? false,
        };
    }
}
