// Classifier through the C# facade: what training learns on small seeded data sets, determinism,
// evaluation, progress, cancellation, divergence, early stopping, warm start, argument checking
// and the step-by-step TrainingStates view.
using System.Diagnostics;
using Xunit;

namespace Perceptron.Tests;

public class ClassifierTests
{
    private static double Accuracy(Classifier model, DataSet data) => model.Evaluate(data.Features, data.Labels).Accuracy;

    private static readonly TrainingOptions Mlp = new()
    {
        HiddenLayers = [8],
        Activation = Activation.Tanh,
        Optimizer = Optimizer.Adam,
        LearningRate = 0.05,
        Epochs = 300,
    };

    private static readonly TrainingOptions Logistic = new() { LearningRate = 0.5, Epochs = 300 };

    // ---- What training learns ----

    [Fact]
    public void The_perceptron_separates_linearly_separable_data()
    {
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 100);

        var model = Classifier.Train(data.Features, data.Labels, Logistic);

        var layer = Assert.Single(model.Layers);
        Assert.Equal("sigmoid", layer.Activation);
        Assert.Equal(1, layer.Units);
        Assert.Equal(1.0, Accuracy(model, data));
    }

    public static TheoryData<string> NonLinearSets() => ["xor", "circles"];

    private static DataSet NonLinear(string name, int seed) => name switch
    {
        "xor" => SyntheticData.Xor(seed, 200),
        _ => SyntheticData.ConcentricCircles(seed, 200),
    };

    [Theory]
    [MemberData(nameof(NonLinearSets))]
    public void A_hidden_tanh_layer_learns_what_logistic_regression_cannot(string set)
    {
        var train = NonLinear(set, seed: 1);
        var test = NonLinear(set, seed: 2);

        var logistic = Classifier.Train(train.Features, train.Labels, Logistic);
        var mlp = Classifier.Train(train.Features, train.Labels, Mlp);

        // A line gets XOR about half right; on circles it can cut off part of the ring (about 70%).
        Assert.InRange(Accuracy(logistic, train), 0.3, 0.8);
        Assert.InRange(Accuracy(logistic, test), 0.3, 0.8);
        Assert.True(Accuracy(mlp, train) > 0.9, $"MLP train accuracy {Accuracy(mlp, train)}");
        Assert.True(Accuracy(mlp, test) > 0.9, $"MLP test accuracy {Accuracy(mlp, test)}");
        Assert.True(Accuracy(mlp, test) - Accuracy(logistic, test) > 0.25);
    }

    [Fact]
    public void Softmax_regression_separates_four_gaussian_blobs()
    {
        var train = SyntheticData.Blobs(seed: 1, classes: 4, perClass: 30, features: 3);
        var test = SyntheticData.Blobs(seed: 2, classes: 4, perClass: 30, features: 3);

        var model = Classifier.Train(train.Features, train.Labels, new TrainingOptions { LearningRate = 0.5, Epochs = 200 });

        var output = Assert.Single(model.Layers);
        Assert.Equal("softmax", output.Activation);
        Assert.Equal(4, output.Units);
        Assert.Equal(["0", "1", "2", "3"], model.Classes);
        Assert.True(Accuracy(model, train) > 0.95, $"train accuracy {Accuracy(model, train)}");
        Assert.True(Accuracy(model, test) > 0.95, $"test accuracy {Accuracy(model, test)}");
    }

    public static TheoryData<Activation, Optimizer> EveryActivationAndOptimizer()
    {
        var data = new TheoryData<Activation, Optimizer>();
        foreach (var activation in Enum.GetValues<Activation>())
        {
            foreach (var optimizer in Enum.GetValues<Optimizer>())
            {
                data.Add(activation, optimizer);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryActivationAndOptimizer))]
    public void Every_activation_and_optimizer_trains_and_lowers_the_cost(Activation activation, Optimizer optimizer)
    {
        var data = SyntheticData.Xor(seed: 3, samples: 40);
        var options = new TrainingOptions
        {
            HiddenLayers = [4],
            Activation = activation,
            Optimizer = optimizer,
            LearningRate = optimizer == Optimizer.Adam ? 0.05 : 0.2,
            Epochs = 30,
            Seed = 5,
        };

        var model = Classifier.Train(data.Features, data.Labels, options);

        Assert.Equal(30, model.Costs.Count);
        Assert.All(model.Costs, c => Assert.True(double.IsFinite(c)));
        Assert.True(model.Costs[^1] < model.Costs[0], $"cost went from {model.Costs[0]} to {model.Costs[^1]}");
        Assert.Equal(StopReason.Completed, model.StopReason);
        Assert.Equal(30, model.EpochsRun);
        Assert.Equal(2, model.Layers.Count);
        Assert.Same(options, model.Options);
    }

    // ---- Determinism ----

    private static readonly TrainingOptions MiniBatchAdam = new()
    {
        HiddenLayers = [6, 3],
        Optimizer = Optimizer.Adam,
        LearningRate = 0.02,
        BatchSize = 8,
        Epochs = 15,
        Seed = 42,
        ValidationFraction = 0.2,
    };

    [Fact]
    public void The_same_options_and_seed_give_bit_identical_models()
    {
        var data = SyntheticData.ConcentricCircles(seed: 4, samples: 60);

        var first = Classifier.Train(data.Features, data.Labels, MiniBatchAdam);
        var second = Classifier.Train(data.Features, data.Labels, MiniBatchAdam with { });

        Assert.True(SyntheticData.BitIdentical(
            first.PredictProbabilities(data.Features), second.PredictProbabilities(data.Features)));
        Assert.Equal(first.Predict(data.Features), second.Predict(data.Features));
        Assert.True(SyntheticData.BitIdentical(first.Costs, second.Costs));
        Assert.True(SyntheticData.BitIdentical(first.ValidationCosts, second.ValidationCosts));
        Assert.Equal(15, first.ValidationCosts.Count);
        for (var l = 0; l < first.Layers.Count; l++)
        {
            Assert.True(SyntheticData.BitIdentical(first.Layers[l].CopyWeights(), second.Layers[l].CopyWeights()));
            Assert.True(SyntheticData.BitIdentical(first.Layers[l].Bias, second.Layers[l].Bias));
        }
    }

    [Fact]
    public void Different_seeds_give_different_initial_networks_and_models()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        var options = new TrainingOptions { HiddenLayers = [5], Epochs = 5 };

        // The state after the first update is the initial network moved by one small step.
        double[,] FirstWeights(int seed) =>
            Classifier.TrainingStates(data.Features, data.Labels, options with { Seed = seed }).First().Layers[0].CopyWeights();

        Assert.True(SyntheticData.BitIdentical(FirstWeights(1), FirstWeights(1)));
        Assert.False(SyntheticData.BitIdentical(FirstWeights(1), FirstWeights(2)));

        var one = Classifier.Train(data.Features, data.Labels, options with { Seed = 1 });
        var two = Classifier.Train(data.Features, data.Labels, options with { Seed = 2 });
        Assert.False(SyntheticData.BitIdentical(one.PredictProbabilities(data.Features), two.PredictProbabilities(data.Features)));
        Assert.False(SyntheticData.BitIdentical(one.Costs, two.Costs));
    }

    [Fact]
    public void A_model_predicts_the_same_from_many_threads_at_once()
    {
        var train = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 20, spread: 2.0);
        var model = Classifier.Train(train.Features, train.Labels, new TrainingOptions { HiddenLayers = [16], Epochs = 10 });
        var inputs = Enumerable.Range(0, 64).Select(i => SyntheticData.Blobs(seed: 100 + i, classes: 3, perClass: 5 + (i % 7), spread: 2.0)).ToArray();
        var expected = inputs.Select(d => model.PredictProbabilities(d.Features)).ToArray();
        var actual = new double[inputs.Length][,];

        Parallel.For(0, inputs.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            var i = k % inputs.Length;
            actual[i] = model.PredictProbabilities(inputs[i].Features);
        });

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.True(SyntheticData.BitIdentical(expected[i], actual[i]), $"input {i} differs");
        }
    }

    // ---- Prediction and evaluation ----

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void PredictProbabilities_gives_one_row_per_sample_and_column_per_class_summing_to_1(int classes)
    {
        var train = SyntheticData.Blobs(seed: 1, classes, perClass: 10, spread: 2.0);
        var test = SyntheticData.Blobs(seed: 2, classes, perClass: 7, spread: 2.0);
        var model = Classifier.Train(train.Features, train.Labels, new TrainingOptions { HiddenLayers = [4], Epochs = 20 });

        var probabilities = model.PredictProbabilities(test.Features);
        var predictions = model.Predict(test.Features);

        Assert.Equal(test.Samples, probabilities.GetLength(0));
        Assert.Equal(classes, probabilities.GetLength(1));
        Assert.Equal(test.Samples, predictions.Length);
        for (var i = 0; i < test.Samples; i++)
        {
            var row = Enumerable.Range(0, classes).Select(j => probabilities[i, j]).ToArray();
            Assert.All(row, p => Assert.InRange(p, 0.0, 1.0));
            Assert.Equal(1.0, row.Sum(), 1e-12);
            Assert.Equal(Array.IndexOf(row, row.Max()), predictions[i]);
        }
    }

    [Fact]
    public void Predict_takes_a_single_sample()
    {
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 50);
        var model = Classifier.Train(data.Features, data.Labels, Logistic);

        Assert.Equal([1], model.Predict(new double[,] { { 3, 3 } }));
        Assert.Equal([0], model.Predict(new double[,] { { -3, -3 } }));
    }

    [Fact]
    public void Evaluate_reports_accuracy_confusion_matrix_per_class_scores_log_loss_and_ROC_for_two_classes()
    {
        var train = SyntheticData.Xor(seed: 1, samples: 200);
        var test = SyntheticData.Xor(seed: 9, samples: 60);
        var model = Classifier.Train(train.Features, train.Labels, Mlp with { Epochs = 40 });

        var evaluation = model.Evaluate(test.Features, test.Labels);

        var predictions = model.Predict(test.Features);
        var probabilities = model.PredictProbabilities(test.Features);
        Assert.Equal(60, evaluation.Samples);
        Assert.Equal(["0", "1"], evaluation.Classes);
        Assert.Equal(predictions.Zip(test.Labels).Count(p => p.First == p.Second) / 60.0, evaluation.Accuracy, 1e-15);
        AssertConfusionMatrixConsistent(evaluation, test.Labels, predictions);
        var expectedLogLoss = test.Labels.Select((y, i) => -Math.Log(probabilities[i, y])).Average();
        Assert.Equal(expectedLogLoss, evaluation.LogLoss, 1e-12);

        Assert.NotNull(evaluation.RocAuc);
        Assert.InRange(evaluation.RocAuc.Value, 0.8, 1.0);
        Assert.Equal(new RocPoint(0, 0), evaluation.RocCurve[0]);
        Assert.Equal(new RocPoint(1, 1), evaluation.RocCurve[^1]);
    }

    [Fact]
    public void Evaluate_has_the_one_vs_rest_AUC_but_no_ROC_curve_for_three_classes()
    {
        var train = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 20, spread: 2.5);
        var model = Classifier.Train(train.Features, train.Labels, new TrainingOptions { LearningRate = 0.1, Epochs = 10 });

        var evaluation = model.Evaluate(train.Features, train.Labels);

        Assert.InRange(evaluation.RocAuc!.Value, 0.5, 1.0);
        Assert.Empty(evaluation.RocCurve);
        Assert.Equal(3, evaluation.PerClass.Count);
        AssertConfusionMatrixConsistent(evaluation, train.Labels, model.Predict(train.Features));
    }

    [Fact]
    public void Evaluate_has_no_ROC_when_only_one_of_two_classes_occurs()
    {
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 50);
        var model = Classifier.Train(data.Features, data.Labels, Logistic);

        var evaluation = model.Evaluate(new double[,] { { 3, 3 }, { 2, 2 } }, [1, 1]);

        Assert.Null(evaluation.RocAuc);
        Assert.Empty(evaluation.RocCurve);
        Assert.Equal(1.0, evaluation.Accuracy);
        Assert.Equal(0, evaluation.PerClass[0].Support);
        Assert.Equal(2, evaluation.PerClass[1].Support);
    }

    private static void AssertConfusionMatrixConsistent(Evaluation evaluation, int[] labels, int[] predictions)
    {
        var k = evaluation.Classes.Count;
        var matrix = evaluation.ConfusionMatrix;
        Assert.Equal(k, matrix.Count);
        Assert.All(matrix, row => Assert.Equal(k, row.Count));
        Assert.Equal(labels.Length, matrix.Sum(row => row.Sum()));
        Assert.Equal(evaluation.Accuracy, Enumerable.Range(0, k).Sum(c => matrix[c][c]) / (double)labels.Length, 1e-15);
        Assert.Equal(k, evaluation.PerClass.Count);
        for (var c = 0; c < k; c++)
        {
            for (var p = 0; p < k; p++)
            {
                Assert.Equal(labels.Zip(predictions).Count(x => x.First == c && x.Second == p), matrix[c][p]);
            }

            var metrics = evaluation.PerClass[c];
            var predicted = Enumerable.Range(0, k).Sum(a => matrix[a][c]);
            var actual = matrix[c].Sum();
            Assert.Equal(evaluation.Classes[c], metrics.Class);
            Assert.Equal(labels.Count(y => y == c), metrics.Support);
            Assert.Equal(actual, metrics.Support);
            Assert.Equal(predicted == 0 ? 0 : matrix[c][c] / (double)predicted, metrics.Precision, 1e-15);
            Assert.Equal(actual == 0 ? 0 : matrix[c][c] / (double)actual, metrics.Recall, 1e-15);
            var f1 = metrics.Precision + metrics.Recall == 0
                ? 0
                : 2 * metrics.Precision * metrics.Recall / (metrics.Precision + metrics.Recall);
            Assert.Equal(f1, metrics.F1, 1e-15);
        }
    }

    // ---- Progress, cancellation, divergence ----

    [Fact]
    public void Progress_is_reported_once_per_epoch_with_that_epochs_cost()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        var progress = new SynchronousProgress<TrainingProgress>(_ => { });

        var model = Classifier.Train(data.Features, data.Labels, Mlp with { Epochs = 7, BatchSize = 16 }, progress);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], progress.Reports.Select(r => r.Epoch));
        Assert.All(progress.Reports, r => Assert.Equal(7, r.Epochs));
        Assert.All(progress.Reports, r => Assert.Null(r.ValidationCost));
        Assert.True(SyntheticData.BitIdentical(model.Costs, progress.Reports.Select(r => r.Cost)));
    }

    [Fact]
    public void Progress_carries_the_validation_cost_when_there_is_a_validation_split()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        var progress = new SynchronousProgress<TrainingProgress>(_ => { });

        var model = Classifier.Train(data.Features, data.Labels, Mlp with { Epochs = 4, ValidationFraction = 0.25 }, progress);

        Assert.Equal(4, progress.Reports.Count);
        Assert.True(SyntheticData.BitIdentical(model.ValidationCosts, progress.Reports.Select(r => r.ValidationCost!.Value)));
    }

    [Fact]
    public void Cancelling_after_epoch_3_throws_with_the_model_of_epoch_3()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            if (r.Epoch == 3)
            {
                cancellation.Cancel();
            }
        });
        var options = Mlp with { Epochs = 50 };

        var exception = Assert.Throws<TrainingCanceledException>(
            () => Classifier.Train(data.Features, data.Labels, options, progress, cancellation.Token));

        Assert.Equal(cancellation.Token, exception.CancellationToken);
        Assert.Equal(3, exception.Model!.EpochsRun);
        Assert.Equal(3, exception.Model!.Costs.Count);
        Assert.Equal(3, progress.Reports.Count);
        Assert.Contains("3", exception.Message, StringComparison.Ordinal);

        // The model is the one three epochs of training give.
        var three = Classifier.Train(data.Features, data.Labels, options with { Epochs = 3 });
        Assert.True(SyntheticData.BitIdentical(
            three.PredictProbabilities(data.Features), exception.Model!.PredictProbabilities(data.Features)));
    }

    [Fact]
    public void The_model_of_a_cancelled_run_does_not_claim_that_every_epoch_ran()
    {
        // StopReason.Completed is documented as "Every requested epoch ran"; here 2 of 50 did.
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            if (r.Epoch == 2)
            {
                cancellation.Cancel();
            }
        });

        var exception = Assert.Throws<TrainingCanceledException>(
            () => Classifier.Train(data.Features, data.Labels, Mlp with { Epochs = 50 }, progress, cancellation.Token));

        Assert.Equal(2, exception.Model!.EpochsRun);
        Assert.NotEqual(StopReason.Completed, exception.Model!.StopReason);
    }

    [Fact]
    public void A_token_cancelled_before_training_throws_before_any_work()
    {
        // It used to train one whole epoch first. Bad data would be checked by that work: it is not reached.
        var data = SyntheticData.Xor(seed: 1, samples: 40);
        var progress = new SynchronousProgress<TrainingProgress>(_ => { });
        var token = new CancellationToken(canceled: true);

        var exception = Assert.Throws<TrainingCanceledException>(
            () => Classifier.Train(data.Features, data.Labels, Mlp, progress, token));
        Assert.Throws<TrainingCanceledException>(() => Classifier.Train(new double[,] { { double.NaN } }, [0], Mlp, progress, token));

        Assert.Null(exception.Model);
        Assert.Equal(0, exception.Epoch);
        Assert.Equal(token, exception.CancellationToken);
        Assert.Empty(progress.Reports);
    }

    private static DataSet LargeUnstandardised()
    {
        var data = SyntheticData.LinearlySeparable(seed: 1, samples: 40);
        var x = (double[,])data.Features.Clone();
        for (var i = 0; i < x.GetLength(0); i++)
        {
            for (var j = 0; j < x.GetLength(1); j++)
            {
                x[i, j] = (x[i, j] * 1000) + 5000;
            }
        }

        return data with { Features = x };
    }

    [Fact]
    public void A_huge_learning_rate_throws_TrainingDivergedException_suggesting_a_smaller_one()
    {
        var data = LargeUnstandardised();
        var options = new TrainingOptions
        {
            HiddenLayers = [8],
            Activation = Activation.LeakyRelu,
            LearningRate = 1e6,
            Standardize = false,
            Epochs = 50,
        };
        var progress = new SynchronousProgress<TrainingProgress>(_ => { });

        var exception = Assert.Throws<TrainingDivergedException>(
            () => Classifier.Train(data.Features, data.Labels, options, progress));

        Assert.Contains("smaller learning rate", exception.Message, StringComparison.Ordinal);
        Assert.Contains("1000000", exception.Message, StringComparison.Ordinal);
        Assert.InRange(exception.Epoch, 1, 50);
        Assert.Equal(exception.Epoch - 1, progress.Reports.Count);
        Assert.All(progress.Reports, r => Assert.True(double.IsFinite(r.Cost)));
    }

    [Fact]
    public void The_same_network_trains_on_the_same_data_with_a_sane_learning_rate_and_standardisation()
    {
        var data = LargeUnstandardised();
        var options = new TrainingOptions { HiddenLayers = [8], Activation = Activation.LeakyRelu, LearningRate = 0.1, Epochs = 50 };

        var model = Classifier.Train(data.Features, data.Labels, options);

        Assert.True(model.Costs[^1] < model.Costs[0]);
        Assert.True(model.Standardizes);
    }

    // ---- Early stopping ----

    private static readonly TrainingOptions Overfitting = new()
    {
        HiddenLayers = [32, 32],
        Optimizer = Optimizer.Adam,
        LearningRate = 0.01,
        Epochs = 2000,
        ValidationFraction = 0.3,
        Patience = 10,
    };

    [Fact]
    public void Early_stopping_stops_when_the_validation_cost_rises_and_keeps_the_best_epochs_model()
    {
        // Labels that carry no information, a big network: the validation cost soon rises.
        var data = SyntheticData.Noise(seed: 3, samples: 40, features: 5);

        var model = Classifier.Train(data.Features, data.Labels, Overfitting);

        Assert.Equal(StopReason.EarlyStopped, model.StopReason);
        Assert.InRange(model.EpochsRun, Overfitting.Patience!.Value + 1, Overfitting.Epochs - 1);
        Assert.Equal(model.EpochsRun, model.Costs.Count);
        Assert.Equal(model.EpochsRun, model.ValidationCosts.Count);

        // The best validation cost came Patience epochs before the end, and nothing after it beat it.
        var best = model.ValidationCosts.Min();
        var bestEpoch = model.ValidationCosts.ToList().IndexOf(best) + 1;
        Assert.Equal(model.EpochsRun - Overfitting.Patience.Value, bestEpoch);
        Assert.True(model.ValidationCosts[^1] > best);

        // The model returned is the one of the best epoch, not the last.
        var states = Classifier.TrainingStates(data.Features, data.Labels, Overfitting with { Epochs = model.EpochsRun }).ToList();
        var atBest = states.Single(s => s.Epoch == bestEpoch).ToClassifier();
        var atEnd = states[^1].ToClassifier();
        var probabilities = model.PredictProbabilities(data.Features);
        Assert.True(SyntheticData.BitIdentical(atBest.PredictProbabilities(data.Features), probabilities));
        Assert.False(SyntheticData.BitIdentical(atEnd.PredictProbabilities(data.Features), probabilities));
    }

    [Fact]
    public void Cancelling_under_early_stopping_gives_the_model_of_the_last_completed_epoch()
    {
        // TrainingCanceledException.Model is documented as "the model after the last completed epoch".
        var data = SyntheticData.Noise(seed: 3, samples: 40, features: 5);
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            if (r.Epoch == 8)
            {
                cancellation.Cancel();
            }
        });

        var exception = Assert.Throws<TrainingCanceledException>(
            () => Classifier.Train(data.Features, data.Labels, Overfitting, progress, cancellation.Token));

        Assert.Equal(8, exception.Model!.EpochsRun);
        var epoch8 = Classifier.TrainingStates(data.Features, data.Labels, Overfitting with { Epochs = 8 }).Last().ToClassifier();
        Assert.True(
            SyntheticData.BitIdentical(epoch8.PredictProbabilities(data.Features), exception.Model!.PredictProbabilities(data.Features)),
            "the cancelled model is not the network of epoch 8 (it is the best epoch's by validation cost)");
    }

    [Fact]
    public void Without_patience_the_same_setup_runs_every_epoch()
    {
        var data = SyntheticData.Noise(seed: 3, samples: 40, features: 5);

        var model = Classifier.Train(data.Features, data.Labels, Overfitting with { Patience = null, Epochs = 40 });

        Assert.Equal(StopReason.Completed, model.StopReason);
        Assert.Equal(40, model.EpochsRun);
        Assert.Equal(40, model.ValidationCosts.Count);
    }

    // ---- Warm start ----

    [Fact]
    public void Warm_start_continues_from_the_models_weights()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 80);
        var options = new TrainingOptions { HiddenLayers = [6], LearningRate = 0.2, Epochs = 40 };
        var first = Classifier.Train(data.Features, data.Labels, options);

        var continued = Classifier.Train(data.Features, data.Labels, options with { WarmStart = first, Epochs = 10 });
        var fresh = Classifier.Train(data.Features, data.Labels, options with { Epochs = 10 });

        // Full batch: the first epoch's cost is the cost of the warm-start model itself.
        Assert.Equal(first.Evaluate(data.Features, data.Labels).LogLoss, continued.Costs[0], 1e-9);
        Assert.True(continued.Costs[0] <= first.Costs[^1], $"{continued.Costs[0]} > {first.Costs[^1]}");
        Assert.Equal(first.Costs[^1], continued.Costs[0], first.Costs[^1] * 0.05);
        Assert.True(continued.Costs[0] < fresh.Costs[0], $"{continued.Costs[0]} >= fresh {fresh.Costs[0]}");
        Assert.True(continued.Costs[^1] < first.Costs[^1]);
    }

    [Fact]
    public void Warm_start_with_another_feature_count_is_refused()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 20);
        var first = Classifier.Train(data.Features, data.Labels, new TrainingOptions { Epochs = 2 });
        var three = SyntheticData.Blobs(seed: 1, classes: 2, perClass: 10, features: 3);

        var exception = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.Train(three.Features, three.Labels, new TrainingOptions { WarmStart = first }));

        Assert.Contains("WarmStart", exception.Message, StringComparison.Ordinal);
        Assert.Contains("2 features", exception.Message, StringComparison.Ordinal);
        Assert.Contains("3 columns", exception.Message, StringComparison.Ordinal);
    }

    // ---- Bad options and data ----

    private static readonly DataSet Small = SyntheticData.Xor(seed: 1, samples: 20);

    /// <summary>Options that must be refused, the name the exception must carry, and words its message must hold.</summary>
    private sealed record BadOptions(TrainingOptions Options, string Name, params string[] MessageHolds);

    private static Dictionary<string, BadOptions> BadOptionCases() => new()
    {
        ["LearningRate 0"] = new(new() { LearningRate = 0 }, "LearningRate", "is 0", "> 0"),
        ["LearningRate -1"] = new(new() { LearningRate = -1 }, "LearningRate", "is -1", "> 0"),
        ["LearningRate NaN"] = new(new() { LearningRate = double.NaN }, "LearningRate", "NaN", "finite"),
        ["LearningRate +Infinity"] = new(new() { LearningRate = double.PositiveInfinity }, "LearningRate", "finite"),
        ["Epochs 0"] = new(new() { Epochs = 0 }, "Epochs", "is 0", "> 0"),
        ["Epochs -1"] = new(new() { Epochs = -1 }, "Epochs", "is -1"),
        ["BatchSize 0"] = new(new() { BatchSize = 0 }, "BatchSize", "is 0", "> 0"),
        ["L2 -1"] = new(new() { L2 = -1 }, "L2", "is -1", ">= 0"),
        ["L2 NaN"] = new(new() { L2 = double.NaN }, "L2", "NaN"),
        ["HiddenLayers containing 0"] = new(new() { HiddenLayers = [4, 0] }, "HiddenLayers", "HiddenLayers[1] is 0", "at least 1"),
        ["HiddenLayers containing -2"] = new(new() { HiddenLayers = [-2] }, "HiddenLayers", "HiddenLayers[0] is -2"),
        ["HiddenLayers null"] = new(new() { HiddenLayers = null! }, "HiddenLayers", "null"),
        ["Zeros with hidden layers"] = new(
            new() { HiddenLayers = [3], Initialization = Initialization.Zeros }, "Initialization", "symmetry"),
        ["InitScale 0"] = new(new() { Initialization = Initialization.Normal, InitScale = 0 }, "InitScale", "is 0"),
        ["Momentum 1.0"] = new(new() { Optimizer = Optimizer.Momentum, Momentum = 1.0 }, "Momentum", "is 1", "[0, 1)"),
        ["Momentum -0.1"] = new(new() { Optimizer = Optimizer.Momentum, Momentum = -0.1 }, "Momentum", "[0, 1)"),
        ["Beta1 1.0"] = new(new() { Optimizer = Optimizer.Adam, Beta1 = 1.0 }, "Beta1", "[0, 1)"),
        ["Beta2 NaN"] = new(new() { Optimizer = Optimizer.Adam, Beta2 = double.NaN }, "Beta2", "[0, 1)"),
        ["ValidationFraction 1.0"] = new(new() { ValidationFraction = 1.0 }, "ValidationFraction", "is 1", "[0, 1)"),
        ["ValidationFraction -0.2"] = new(new() { ValidationFraction = -0.2 }, "ValidationFraction", "[0, 1)"),
        ["Patience without ValidationFraction"] = new(new() { Patience = 5 }, "Patience", "ValidationFraction"),
        ["Patience 0"] = new(new() { Patience = 0, ValidationFraction = 0.2 }, "Patience", "is 0"),
        ["Tolerance -1"] = new(new() { Patience = 3, ValidationFraction = 0.2, Tolerance = -1 }, "Tolerance", "is -1"),
    };

    public static TheoryData<string> BadOptionNames() => [.. BadOptionCases().Keys];

    [Theory]
    [MemberData(nameof(BadOptionNames))]
    public void Bad_options_throw_an_ArgumentException_naming_the_option(string name)
    {
        var bad = BadOptionCases()[name];

        void AssertRefused(Action call)
        {
            var exception = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(bad.Name, exception.ParamName);
            Assert.All(bad.MessageHolds, words => Assert.Contains(words, exception.Message, StringComparison.Ordinal));
        }

        AssertRefused(() => Classifier.Train(Small.Features, Small.Labels, bad.Options));
        AssertRefused(() => Classifier.TrainingStates(Small.Features, Small.Labels, bad.Options));
        AssertRefused(() => GradientCheck.Run(Small.Features, Small.Labels, bad.Options));
    }

    [Theory]
    [InlineData("Optimizer")]
    [InlineData("Activation")]
    [InlineData("Initialization")]
    public void An_undefined_enum_value_is_refused_naming_the_option(string option)
    {
        var options = option switch
        {
            "Optimizer" => new TrainingOptions { Optimizer = (Optimizer)7 },
            "Activation" => new TrainingOptions { Activation = (Activation)7 },
            _ => new TrainingOptions { Initialization = (Initialization)7 },
        };

        var exception = Assert.ThrowsAny<ArgumentException>(() => Classifier.Train(Small.Features, Small.Labels, options));

        // The option itself, or Train's own argument that holds it: a name the caller can find.
        Assert.Contains(exception.ParamName, new[] { option, "options" });
        Assert.Contains($"{option} 7", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validation_fraction_that_leaves_no_training_samples_is_refused_naming_the_option()
    {
        // 0.95 of 10 samples rounds to 10 held out: nothing is left to train on.
        var data = SyntheticData.Xor(seed: 1, samples: 10);

        var exception = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.Train(data.Features, data.Labels, new TrainingOptions { ValidationFraction = 0.95 }));

        Assert.Equal("ValidationFraction", exception.ParamName);
        Assert.Contains("10", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>A call that must be refused, the argument it must name, and words the message must hold.</summary>
    private sealed record BadCall(Action Call, string Argument, params string[] MessageHolds);

    private static readonly Lazy<Classifier> TwoFeatureModel = new(
        () => Classifier.Train(Small.Features, Small.Labels, new TrainingOptions { Epochs = 3 }));

    private static Dictionary<string, BadCall> BadCalls()
    {
        var x = Small.Features;
        var y = Small.Labels;
        double[,] WithNaN()
        {
            var copy = (double[,])x.Clone();
            copy[4, 1] = double.NaN;
            return copy;
        }

        return new()
        {
            ["Train: null features"] = new(() => Classifier.Train(null!, y), "features", "null"),
            ["Train: null labels"] = new(() => Classifier.Train(x, null!), "labels", "null"),
            ["Train: no samples"] = new(() => Classifier.Train(new double[0, 2], []), "features", "0 samples"),
            ["Train: no features"] = new(() => Classifier.Train(new double[20, 0], y), "features", "0 features"),
            ["Train: NaN feature"] = new(() => Classifier.Train(WithNaN(), y), "features", "features[4, 1]", "finite"),
            ["Train: a single class"] = new(() => Classifier.Train(x, new int[20]), "labels", "single class", "two classes"),
            ["Train: a single class 1"] = new(() => Classifier.Train(x, Enumerable.Repeat(1, 20).ToArray()), "labels", "single class (1)"),
            ["Train: too few labels"] = new(() => Classifier.Train(x, y[..19]), "labels", "19 values", "20 samples"),
            ["Train: too many labels"] = new(() => Classifier.Train(x, [.. y, 0]), "labels", "21 values", "20 samples"),
            ["Train: a negative label"] = new(() => Classifier.Train(x, [-1, .. y[1..]]), "labels", "labels[0] is -1"),
            ["TrainingStates: a single class"] = new(() => Classifier.TrainingStates(x, new int[20]), "labels", "single class"),
            ["Predict: null features"] = new(() => TwoFeatureModel.Value.Predict((double[,])null!), "features", "null"),
            ["Predict: 3 columns for 2 features"] = new(
                () => TwoFeatureModel.Value.Predict(new double[5, 3]), "features", "features has 3 features", "expected 2"),
            ["Predict: 1 column for 2 features"] = new(
                () => TwoFeatureModel.Value.Predict(new double[5, 1]), "features", "features has 1 feature (1 column)", "expected 2"),
            ["Predict: NaN feature"] = new(() => TwoFeatureModel.Value.Predict(WithNaN()), "features", "features[4, 1]", "finite"),
            ["PredictProbabilities: 3 columns for 2 features"] = new(
                () => TwoFeatureModel.Value.PredictProbabilities(new double[5, 3]), "features", "3 features", "expected 2"),
            ["Evaluate: 3 columns for 2 features"] = new(
                () => TwoFeatureModel.Value.Evaluate(new double[5, 3], new int[5]), "features", "3 features", "expected 2"),
            ["Evaluate: null labels"] = new(() => TwoFeatureModel.Value.Evaluate(x, null!), "labels", "null"),
            ["Evaluate: too few labels"] = new(() => TwoFeatureModel.Value.Evaluate(x, y[..5]), "labels", "5 values", "20 samples"),
            ["Evaluate: an unknown class"] = new(
                () => TwoFeatureModel.Value.Evaluate(x, [2, .. y[1..]]), "labels", "labels[0] is 2", "0 to 1"),
            ["WithNames: too few feature names"] = new(
                () => TwoFeatureModel.Value.WithNames(["a"], "label", ["no", "yes"]), "featureNames", "1 name;", "2 features"),
            ["WithNames: too many class names"] = new(
                () => TwoFeatureModel.Value.WithNames(["a", "b"], "label", ["no", "yes", "maybe"]), "classes", "3 names", "2 classes"),
            ["WithNames: null feature names"] = new(
                () => TwoFeatureModel.Value.WithNames(null!, "label", ["no", "yes"]), "featureNames", "null"),
            ["WithNames: null label name"] = new(
                () => TwoFeatureModel.Value.WithNames(["a", "b"], null!, ["no", "yes"]), "labelName", "null"),
            ["WithNames: null classes"] = new(() => TwoFeatureModel.Value.WithNames(["a", "b"], "label", null!), "classes", "null"),
            ["GradientCheck: epsilon 0"] = new(() => GradientCheck.Run(x, y, epsilon: 0), "epsilon", "is 0"),
            ["GradientCheck: epsilon NaN"] = new(() => GradientCheck.Run(x, y, epsilon: double.NaN), "epsilon", "NaN"),
        };
    }

    public static TheoryData<string> BadCallNames() => [.. BadCalls().Keys];

    [Theory]
    [MemberData(nameof(BadCallNames))]
    public void Bad_data_throws_an_ArgumentException_naming_the_argument_and_the_problem(string name)
    {
        var bad = BadCalls()[name];

        var exception = Assert.ThrowsAny<ArgumentException>(bad.Call);

        Assert.Equal(bad.Argument, exception.ParamName);
        Assert.All(bad.MessageHolds, words => Assert.Contains(words, exception.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void WithNames_returns_a_renamed_copy_that_predicts_the_same()
    {
        var model = TwoFeatureModel.Value;

        var named = model.WithNames(["width", "height"], "kind", ["cat", "dog"]);

        Assert.Equal(["width", "height"], named.FeatureNames);
        Assert.Equal("kind", named.LabelName);
        Assert.Equal(["cat", "dog"], named.Classes);
        Assert.Equal(["cat", "dog"], named.Evaluate(Small.Features, Small.Labels).Classes);
        Assert.True(SyntheticData.BitIdentical(
            model.PredictProbabilities(Small.Features), named.PredictProbabilities(Small.Features)));
        Assert.Equal(["x0", "x1"], model.FeatureNames);
        Assert.Equal("label", model.LabelName);
        Assert.Equal(["0", "1"], model.Classes);
    }

    [Fact]
    public void Train_leaves_its_inputs_unchanged()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 30);
        var x = (double[,])data.Features.Clone();
        var y = (int[])data.Labels.Clone();

        var model = Classifier.Train(x, y, MiniBatchAdam);
        model.Evaluate(x, y);
        Classifier.TrainingStates(x, y, MiniBatchAdam).Last();

        Assert.True(SyntheticData.BitIdentical(data.Features, x));
        Assert.Equal(data.Labels, y);
    }

    // ---- TrainingStates ----

    [Theory]
    [InlineData(10, 4, 5, 15)] // 3 batches (4, 4, 2) x 5 epochs
    [InlineData(10, 5, 3, 6)]
    [InlineData(10, 10, 4, 4)]
    [InlineData(10, 64, 4, 4)] // a batch larger than the data is the full batch
    [InlineData(10, null, 7, 7)]
    public void TrainingStates_yields_one_state_per_batch_for_every_epoch(int samples, int? batchSize, int epochs, int expected)
    {
        var data = SyntheticData.Xor(seed: 1, samples);
        var options = new TrainingOptions { HiddenLayers = [3], BatchSize = batchSize, Epochs = epochs };

        var states = Classifier.TrainingStates(data.Features, data.Labels, options).ToList();

        Assert.Equal(expected, states.Count);
        Assert.Equal(Enumerable.Range(1, expected), states.Select(s => s.Step));
        var perEpoch = expected / epochs;
        Assert.Equal(Enumerable.Range(1, expected).Select(step => step / perEpoch), states.Select(s => s.Epoch));
        Assert.All(states, s => Assert.True(double.IsFinite(s.Cost)));
        Assert.All(states, s => Assert.Equal(2, s.WeightGradients().Count));
        Assert.Equal(epochs, states[^1].ToClassifier().EpochsRun);
    }

    [Fact]
    public void TrainingStates_is_lazy()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 10);
        var options = new TrainingOptions { HiddenLayers = [3], BatchSize = 4, Epochs = 1_000_000 };
        // An eager sequence would run all 3,000,000 steps before the first state comes out.
        var states = Classifier.TrainingStates(data.Features, data.Labels, options).Take(3).ToList();

        Assert.Equal([1, 2, 3], states.Select(s => s.Step));
    }

    [Fact]
    public void TrainingStates_checks_its_arguments_before_enumeration()
    {
        var exception = Assert.ThrowsAny<ArgumentException>(
            () => Classifier.TrainingStates(Small.Features, Small.Labels, new TrainingOptions { Epochs = 0 }));

        Assert.Equal("Epochs", exception.ParamName);
    }

    [Fact]
    public void Enumerating_TrainingStates_twice_gives_identical_states()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 30);
        var states = Classifier.TrainingStates(data.Features, data.Labels, MiniBatchAdam with { Epochs = 3 });

        var first = states.ToList();
        var second = states.ToList();

        Assert.Equal(first.Count, second.Count);
        Assert.Equal(first.Select(s => s.Step), second.Select(s => s.Step));
        Assert.Equal(first.Select(s => s.Epoch), second.Select(s => s.Epoch));
        Assert.True(SyntheticData.BitIdentical(first.Select(s => s.Cost), second.Select(s => s.Cost)));
        for (var i = 0; i < first.Count; i++)
        {
            for (var l = 0; l < first[i].Layers.Count; l++)
            {
                Assert.True(SyntheticData.BitIdentical(first[i].Layers[l].CopyWeights(), second[i].Layers[l].CopyWeights()));
                Assert.True(SyntheticData.BitIdentical(first[i].WeightGradients()[l], second[i].WeightGradients()[l]));
            }
        }
    }

    [Fact]
    public void Earlier_training_states_are_unchanged_by_later_steps()
    {
        var data = SyntheticData.Xor(seed: 1, samples: 30);
        using var states = Classifier.TrainingStates(data.Features, data.Labels, MiniBatchAdam).GetEnumerator();
        Assert.True(states.MoveNext());
        var first = states.Current;
        var weights = first.Layers[0].CopyWeights();
        var gradients = first.WeightGradients()[0];

        for (var i = 0; i < 20 && states.MoveNext(); i++)
        {
        }

        Assert.True(SyntheticData.BitIdentical(weights, first.Layers[0].CopyWeights()));
        Assert.True(SyntheticData.BitIdentical(gradients, first.WeightGradients()[0]));
        Assert.False(SyntheticData.BitIdentical(weights, states.Current.Layers[0].CopyWeights()));
    }

    public static TheoryData<int?> BatchSizes() => [null, 7];

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public void The_last_training_state_predicts_exactly_like_Train(int? batchSize)
    {
        var data = SyntheticData.ConcentricCircles(seed: 2, samples: 40);
        var options = new TrainingOptions
        {
            HiddenLayers = [5],
            Optimizer = Optimizer.Momentum,
            LearningRate = 0.1,
            BatchSize = batchSize,
            Epochs = 12,
            Seed = 3,
        };

        var trained = Classifier.Train(data.Features, data.Labels, options);
        var states = Classifier.TrainingStates(data.Features, data.Labels, options).ToList();
        var last = states[^1].ToClassifier();

        Assert.True(SyntheticData.BitIdentical(trained.PredictProbabilities(data.Features), last.PredictProbabilities(data.Features)));
        Assert.Equal(trained.Predict(data.Features), last.Predict(data.Features));
        Assert.Equal(trained.EpochsRun, last.EpochsRun);

        // Train's epoch cost is the sample-weighted mean of the batch costs of that epoch.
        var batch = batchSize ?? data.Samples;
        var batches = (data.Samples + batch - 1) / batch;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            var mean = states.Skip(epoch * batches).Take(batches)
                .Select((s, b) => s.Cost * Math.Min(batch, data.Samples - (b * batch)))
                .Sum() / data.Samples;
            Assert.Equal(trained.Costs[epoch], mean, 1e-12);
        }
    }
}
