// The consistency rules of a model (docs/model-format.md), in one place for both directions:
// ModelFile.Read reports a broken rule as a bad file, ModelFile.Write and ModelFile.Validate as a
// programming error. Each message names the element by its JSON path, e.g. "layers[1].bias".

using System.Globalization;
using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>A broken rule of the model format; its message is "PATH what was found; what was expected".</summary>
internal sealed class ModelProblemException(string message) : Exception(message);

internal static class ModelValidation
{
    /// <summary>The names a hidden layer's activation may have: the core's table.</summary>
    public static readonly IReadOnlyList<string> HiddenActivations = Interop.HiddenActivationNames;

    /// <summary>The JSON names of the settings TrainingDocument has properties for.</summary>
    public static readonly IReadOnlyList<string> KnownTrainingNames =
    [
        "epochs", "learningRate", "optimizer", "batchSize", "l2", "initialization", "initScale",
        "seed", "hiddenActivation", "stoppedEarly", "costs", "validationCosts", "costEpochs",
        "schedule", "warmup", "epochsBefore", "classWeights", "sampleWeights", "stratified",
    ];

    /// <exception cref="ModelProblemException">The first broken rule.</exception>
    public static void Check(ModelDocument model)
    {
        CheckColumns(model.Features, model.Label, model.Classes);
        if (model.Standardization is { } standardization)
        {
            CheckStandardization(standardization, model.Features.Count);
        }

        CheckLayers(model.Layers, model.Features.Count, model.Classes.Count);
        CheckTraining(model.Training);
        if (model.Training.ClassWeights?.Weights is { } classWeights)
        {
            CheckVector(classWeights, "training.classWeights", model.Classes.Count, "one per class");
            if (Interop.FirstInvalidWeight(classWeights.ToArray()) is int i)
            {
                throw Problem($"training.classWeights[{i}] is {MessageText.Number(classWeights[i])}; expected {Interop.WeightExpected}");
            }
        }
    }

    /// <summary>The rules for the names: checked by ModelJson before the layers, whose shapes depend on them.</summary>
    /// <exception cref="ModelProblemException">The first broken rule.</exception>
    public static void CheckColumns(IReadOnlyList<string>? features, string? label, IReadOnlyList<string>? classes)
    {
        CheckNames(features, "features", "feature name", atLeast: 1);
        if (string.IsNullOrWhiteSpace(label))
        {
            throw Problem("label is empty; expected the name of the label column");
        }

        var clash = IndexOf(features!, label);
        if (clash >= 0)
        {
            throw Problem($"label {MessageText.Quote(label)} is also features[{clash}]; expected a label column apart from the features");
        }

        CheckNames(classes, "classes", "class label", atLeast: 2);
    }

    public static ModelProblemException Problem(string message) => new(message);

    private static void CheckNames(IReadOnlyList<string>? names, string path, string what, int atLeast)
    {
        if (names is null)
        {
            throw Problem($"{path} is missing; expected an array of names");
        }

        if (names.Count < atLeast)
        {
            throw Problem(atLeast == 1
                ? $"{path} is empty; expected at least one {what}"
                : $"{path} has {MessageText.Count(names.Count, "value", "values")}; expected at least {atLeast}");
        }

        var seen = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                throw Problem($"{path}[{i}] is empty; expected a {what}");
            }

            if (!seen.TryAdd(names[i], i))
            {
                throw Problem($"{path}[{i}] {MessageText.Quote(names[i])} repeats {path}[{seen[names[i]]}]; expected distinct values");
            }
        }
    }

    /// <summary>The smallest positive normal double, 2^-1022.</summary>
    private const double SmallestNormal = Core.Preprocessing.SmallestStd;

    private static void CheckStandardization(Standardization standardization, int features)
    {
        CheckVector(standardization.Mean, "standardization.mean", features, "one per feature");
        CheckVector(standardization.Std, "standardization.std", features, "one per feature");
        for (var j = 0; j < features; j++)
        {
            if (standardization.Std[j] <= 0)
            {
                throw Problem($"standardization.std[{j}] is {MessageText.Number(standardization.Std[j])}; expected a positive number");
            }

            // A subnormal std (5e-324) turns nearly every value into an infinity when it divides it.
            if (standardization.Std[j] < SmallestNormal)
            {
                throw Problem(
                    $"standardization.std[{j}] is {MessageText.Number(standardization.Std[j])}; expected a positive number of at least "
                    + $"{MessageText.Number(SmallestNormal)} (the smallest normal double; dividing by less overflows)");
            }
        }
    }

    private static void CheckLayers(IReadOnlyList<LayerDocument>? layers, int features, int classes)
    {
        if (layers is null || layers.Count == 0)
        {
            throw Problem($"layers is {(layers is null ? "missing" : "empty")}; expected at least one layer");
        }

        for (var l = 0; l < layers.Count; l++)
        {
            var path = $"layers[{l}]";
            var layer = layers[l] ?? throw Problem($"{path} is missing; expected a layer");
            var weights = layer.Weights ?? throw Problem($"{path}.weights is missing; expected units x inputs numbers");
            if (layer.Units == 0)
            {
                throw Problem($"{path}.weights has no rows; expected one row per unit");
            }

            var (inputs, why) = l == 0 ? (features, "one per feature") : (layers[l - 1].Units, $"the units of layers[{l - 1}]");
            if (layer.Inputs != inputs)
            {
                throw Problem($"{path}.weights has {MessageText.Count(layer.Inputs, "column", "columns")}; expected {inputs} ({why})");
            }

            // The units of the output layer before the bias: with a row too many, the row is the mistake.
            CheckActivation(layer, path, isOutput: l == layers.Count - 1, classes);
            CheckVector(layer.Bias, $"{path}.bias", layer.Units, "one per unit");
            for (var i = 0; i < layer.Units; i++)
            {
                for (var j = 0; j < layer.Inputs; j++)
                {
                    if (!double.IsFinite(weights[i, j]))
                    {
                        throw Problem($"{path}.weights[{i}][{j}] is {MessageText.Number(weights[i, j])}; expected a finite number");
                    }
                }
            }
        }
    }

    private static void CheckActivation(LayerDocument layer, string path, bool isOutput, int classes)
    {
        var activation = layer.Activation ?? throw Problem($"{path}.activation is missing; expected the name of an activation");
        if (!isOutput)
        {
            if (!HiddenActivations.Contains(activation, StringComparer.Ordinal))
            {
                throw Problem($"{path}.activation is {MessageText.Quote(activation)}; expected one of {MessageText.List(HiddenActivations)} for a hidden layer");
            }

            return;
        }

        // The core's rule: two classes, one sigmoid unit (the probability of classes[1]); more, one softmax unit per class.
        var (expected, units) = Interop.OutputLayer(classes);
        if (activation != expected)
        {
            throw Problem($"{path}.activation is {MessageText.Quote(activation)}; expected {MessageText.Quote(expected)} for the output layer of a {classes}-class model");
        }

        if (layer.Units != units)
        {
            throw Problem($"{path} has {MessageText.Count(layer.Units, "unit", "units")}; expected {units} (the output layer of a {classes}-class model)");
        }
    }

    /// <summary>The schedule, when recorded, is one the core reads (a warm start continues it); warm-up and the
    /// epochs before are counts.</summary>
    private static void CheckSchedule(TrainingDocument training)
    {
        if (training.Schedule is { } schedule && Interop.ParseDecay(schedule).Problem is { } problem)
        {
            throw Problem($"training.schedule is {MessageText.Quote(schedule)}: {problem}");
        }

        if (training.Warmup < 0)
        {
            throw Problem($"training.warmup is {training.Warmup}; expected a number of epochs, 0 or more");
        }

        if (training.EpochsBefore < 0)
        {
            throw Problem($"training.epochsBefore is {training.EpochsBefore}; expected a number of epochs, 0 or more");
        }
    }

    private static void CheckTraining(TrainingDocument? training)
    {
        if (training is null)
        {
            throw Problem("training is missing; expected an object (it may be empty)");
        }

        CheckFinite(training.LearningRate, "training.learningRate");
        CheckFinite(training.L2, "training.l2");
        CheckFinite(training.InitScale, "training.initScale");
        if (training.Epochs < 0)
        {
            throw Problem($"training.epochs is {training.Epochs}; expected a number of epochs, 0 or more");
        }

        CheckSchedule(training);
        if (training.BatchSize < 1)
        {
            throw Problem($"training.batchSize is {training.BatchSize}; expected a batch size, 1 or more");
        }

        if (training.Costs is null)
        {
            throw Problem("training.costs is missing; expected an array of numbers (it may be empty)");
        }

        CheckVector(training.Costs, "training.costs", null, null);
        if (training.ValidationCosts is not null)
        {
            CheckVector(training.ValidationCosts, "training.validationCosts", null, null);
        }

        if (training.CostEpochs is { } epochs)
        {
            CheckCostEpochs(epochs, training.Costs.Count);
        }

        if (training.Extra is null)
        {
            throw Problem("training's extra settings are missing; expected a dictionary (it may be empty)");
        }

        foreach (var (name, value) in training.Extra)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw Problem("training has a setting with an empty name; expected a camelCase name");
            }

            if (KnownTrainingNames.Contains(name, StringComparer.Ordinal))
            {
                throw Problem($"training.{name} is in Extra; expected it in its own property of TrainingDocument");
            }

            switch (value)
            {
                case string or bool or int or long:
                    break;
                case double number:
                    CheckFinite(number, $"training.{name}");
                    break;
                default:
                    throw Problem($"training.{name} is {(value is null ? "null" : $"a {value.GetType().Name}")}; expected a string, a number (double, int or long) or a boolean");
            }
        }
    }

    /// <summary>One epoch number per cost, each after the one before, starting at 1 or later.</summary>
    private static void CheckCostEpochs(IReadOnlyList<int> epochs, int costs)
    {
        if (epochs.Count != costs)
        {
            throw Problem($"training.costEpochs has {MessageText.Count(epochs.Count, "value", "values")}; expected {costs} (one epoch per entry of training.costs)");
        }

        for (var i = 0; i < epochs.Count; i++)
        {
            var least = i == 0 ? 1 : epochs[i - 1] + 1;
            if (epochs[i] < least)
            {
                throw Problem($"training.costEpochs[{i}] is {epochs[i]}; expected an epoch number of at least {least} (increasing, from 1)");
            }
        }
    }

    private static void CheckVector(IReadOnlyList<double>? values, string path, int? length, string? why)
    {
        if (values is null)
        {
            throw Problem($"{path} is missing; expected an array of numbers");
        }

        if (length is { } expected && values.Count != expected)
        {
            throw Problem($"{path} has {MessageText.Count(values.Count, "value", "values")}; expected {expected} ({why})");
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw Problem($"{path}[{i}] is {MessageText.Number(values[i])}; expected a finite number");
            }
        }
    }

    private static void CheckFinite(double? value, string path)
    {
        if (value is { } number && !double.IsFinite(number))
        {
            throw Problem($"{path} is {number.ToString(CultureInfo.InvariantCulture)}; expected a finite number");
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
