using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>Saving and loading classifiers as model files (docs/model-format.md).</summary>
public sealed partial class Classifier
{
    /// <summary>Writes the model to a JSON model file atomically: an existing file is replaced only by a complete one.</summary>
    /// <param name="path">The model file to write.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ModelFile.Write(path, ToDocument());
    }

    /// <summary>Reads a model file written by <see cref="Save"/> (or by the console host).</summary>
    /// <param name="path">The model file.</param>
    /// <exception cref="DataFormatException">The file is missing, not JSON, or not a valid model; the message says where.</exception>
    public static Classifier Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromDocument(ModelFile.Read(path));
    }

    /// <summary>The model as a model-file document.</summary>
    public ModelDocument ToDocument()
    {
        var layers = Interop.Layers(Network);
        var hidden = layers.Count > 1 ? layers[0].Activation : null;
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
            },
        };
    }

    /// <summary>A classifier from a model-file document (checked with <see cref="ModelFile.Validate"/>).</summary>
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
            document.Training.StoppedEarly == true ? StopReason.EarlyStopped : StopReason.Completed,
            document.Training.Epochs ?? 0);
        return new Classifier(model, null);
    }
}
