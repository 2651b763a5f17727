using Xunit;

namespace Perceptron.Tests;

/// <summary>
/// The C# examples of README.md, compiled and run here. ReadmeTests checks that README.md shows
/// exactly the code between the "README" markers, so the README cannot drift from code that compiles.
/// </summary>
public class ReadmeExamples
{
    [Fact]
    public void QuickStartRuns()
    {
        using var scratch = new ScratchDirectory();
        var trainFile = RepositoryFiles.Path("data/breast-cancer.csv");
        var modelFile = scratch.Path("model.json");
        var (accuracy, reloaded) = QuickStart(trainFile, modelFile);
        Assert.InRange(accuracy, 0.9, 1.0);
        Assert.Equal(0.5, reloaded, 12);
    }

    [Fact]
    public void StepByStepRuns()
    {
        var costs = StepByStep();
        Assert.Equal(10, costs.Count);
        Assert.True(costs[^1] < costs[0]);
    }

    private static (double Accuracy, double Sigmoid) QuickStart(string trainFile, string modelFile)
    {
        // README: quick start
        // The seed perceptron, step by step, as in the course.
        double[,] x = { { 1, 3 }, { 2, 4 }, { -1, -3.2 } };   // 3 samples as rows, 2 features
        int[] y = { 1, 0, 1 };
        var p = new LogisticParameters(new[] { 1.0, 2.0 }, 2.0);
        Propagation pr = LogisticRegression.Propagate(p, x, y);  // pr.Gradients.Dw, pr.Gradients.Db, pr.Cost
        Optimization o = LogisticRegression.Optimize(p, x, y, iterations: 100, learningRate: 0.009);
        int[] yhat = LogisticRegression.Predict(o.Parameters, x);

        // A classifier from a CSV file: a hidden layer, Adam, mini-batches.
        Table data = Table.Load(trainFile);                     // label: the last column
        IReadOnlyList<string> classes = Table.Classes(data.Labels);
        int[] labels = data.EncodeLabels(classes);
        var (train, test) = Samples.Split(data.Rows, testFraction: 0.2, seed: 42);
        var options = new TrainingOptions
        {
            HiddenLayers = new[] { 16 },
            Activation = Activation.Tanh,
            Optimizer = Optimizer.Adam,
            LearningRate = 0.01,
            Epochs = 50,
            BatchSize = 32,
            Seed = 42,
        };
        Classifier model = Classifier.Train(
            Samples.TakeRows(data.Features, train), Samples.TakeRows(labels, train), options);
        Evaluation evaluation = model.Evaluate(
            Samples.TakeRows(data.Features, test), Samples.TakeRows(labels, test));
        Console.WriteLine($"test accuracy {evaluation.Accuracy:P1}, AUC {evaluation.RocAuc:F3}");

        model.WithNames(data.FeatureNames, data.LabelName, classes).Save(modelFile);
        Classifier loaded = Classifier.Load(modelFile);
        double[,] probabilities = loaded.PredictProbabilities(Samples.TakeRows(data.Features, test));
        string[] predicted = loaded.PredictClassNames(Samples.TakeRows(data.Features, test));  // "0" or "1"
        // README: end
        Assert.Equal(model.Predict(Samples.TakeRows(data.Features, test)), loaded.Predict(Samples.TakeRows(data.Features, test)));
        Assert.Equal(test.Length, probabilities.GetLength(0));
        Assert.Equal(loaded.Predict(Samples.TakeRows(data.Features, test)).Select(c => classes[c]), predicted);
        Assert.Equal(new[] { 1, 1, 0 }.Length, yhat.Length);
        Assert.True(pr.Cost > 0);
        return (evaluation.Accuracy, LogisticRegression.Sigmoid(0));
    }

    private static IReadOnlyList<double> StepByStep()
    {
        // README: step by step
        double[,] features = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        int[] labels = { 0, 1, 1, 0 };                           // XOR: needs a hidden layer
        var options = new TrainingOptions { HiddenLayers = new[] { 4 }, LearningRate = 0.5, Epochs = 10, Seed = 1 };

        var costs = new List<double>();
        foreach (TrainingState state in Classifier.TrainingStates(features, labels, options))
        {
            // Each state is an immutable value: keep it, inspect it, or turn it into a model.
            costs.Add(state.Cost);
            Console.WriteLine($"step {state.Step}: cost {state.Cost:F4}, w[0,0] = {state.Layers[0].Weight(0, 0):F4}");
        }
        // README: end
        return costs;
    }
}
