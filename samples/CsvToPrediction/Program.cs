// From a CSV file to a model to predictions, as an application would do it: a progress line per
// epoch, Ctrl+C to stop training early (the model of the last completed epoch is kept), and one
// readable line on stderr with a distinct exit code for each kind of failure.
//
//     dotnet run --project samples/CsvToPrediction -- TRAIN.csv [DATA.csv] [--epochs N]
//
// TRAIN.csv: a header row and numeric features, the label in the last column. The model is trained
// on 80 % of its rows and evaluated on the other 20 %. DATA.csv (default: TRAIN.csv) gets one
// predicted label per row; its label column, if present, is ignored.

using System.Globalization;
using Perceptron;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const int Success = 0, BadInput = 2, Interrupted = 130;

var positional = new List<string>();
var epochs = 40;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0)
    {
        epochs = n;
        i++;
    }
    else if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        return Fail(BadInput, $"unknown option {args[i]}; expected --epochs N (N > 0)");
    }
    else
    {
        positional.Add(args[i]);
    }
}

if (positional.Count is < 1 or > 2)
{
    return Fail(BadInput, "usage: CsvToPrediction TRAIN.csv [DATA.csv] [--epochs N]");
}

// Ctrl+C asks training to stop after the current epoch instead of killing the process.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    Table table = Table.Load(positional[0]);
    IReadOnlyList<string> classes = Table.Classes(table.Labels);
    int[] labels = table.EncodeLabels(classes);
    var (train, test) = Samples.Split(table.Rows, testFraction: 0.2, seed: 42);

    var options = new TrainingOptions
    {
        HiddenLayers = new[] { 16 },
        Activation = Activation.Tanh,
        Optimizer = Optimizer.Adam,
        LearningRate = 0.01,
        Epochs = epochs,
        BatchSize = 32,
        Seed = 42,
    };

    var progress = new Progress(epochs);
    Classifier model;
    try
    {
        model = Classifier.Train(
            Samples.TakeRows(table.Features, train), Samples.TakeRows(labels, train), options, progress, cancellation.Token);
    }
    catch (TrainingCanceledException canceled) when (canceled.Model is { EpochsRun: > 0 } last)
    {
        Console.Error.WriteLine($"interrupted: using the model after epoch {last.EpochsRun} of {epochs}");
        model = last;
    }

    model = model.WithNames(table.FeatureNames, table.LabelName, classes);
    Evaluation evaluation = model.Evaluate(Samples.TakeRows(table.Features, test), Samples.TakeRows(labels, test));
    Console.WriteLine($"held-out accuracy: {evaluation.Accuracy:P2} on {test.Length} samples");

    // New data: the model's label column may be there or not; the features must match by name.
    Table data = positional.Count == 2
        ? Table.Load(positional[1], table.LabelName, LabelColumn.Optional)
        : table;
    data.CheckFeatures(table.FeatureNames);
    int[] predicted = model.Predict(data.Features);
    double[,] probabilities = model.PredictProbabilities(data.Features);
    var shown = Math.Min(5, predicted.Length);
    for (var i = 0; i < shown; i++)
    {
        Console.WriteLine($"row {i + 1}: {table.LabelName} = {classes[predicted[i]]} (p = {probabilities[i, predicted[i]]:F3})");
    }

    Console.WriteLine($"predicted {predicted.Length} rows ({predicted.Length - shown} more not shown)");
    return cancellation.IsCancellationRequested ? Interrupted : Success;
}
catch (TrainingCanceledException)
{
    return Fail(Interrupted, "interrupted before the first epoch ended; no model");
}
catch (DataFormatException e)
{
    // The message names the file, line and column, and what was expected.
    return Fail(BadInput, e.Message);
}
catch (IOException e)
{
    // A missing or unreadable file: the message starts with its path.
    return Fail(BadInput, e.Message);
}
catch (ArgumentException e)
{
    return Fail(BadInput, e.Message);
}
catch (TrainingDivergedException e)
{
    return Fail(1, e.Message);
}

static int Fail(int code, string message)
{
    Console.Error.WriteLine($"error: {message}");
    return code;
}

/// <summary>One line per epoch on stderr, so that stdout holds only results.</summary>
internal sealed class Progress(int epochs) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        if (value.Epoch == 1 || value.Epoch % 10 == 0 || value.Epoch == epochs)
        {
            Console.Error.WriteLine($"epoch {value.Epoch}/{value.Epochs}: cost {value.Cost:F4}");
        }
    }
}
