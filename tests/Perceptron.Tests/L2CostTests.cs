// L2 is part of the objective everywhere: the costs Classifier.Train and the training states report,
// the validation costs, and the cost whose gradients GradientCheck.Run and `perceptron gradcheck` check.
using Xunit;

namespace Perceptron.Tests;

public sealed class L2CostTests : IDisposable
{
    private const double Lambda = 0.8;

    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>(λ/2)‖W‖² over every layer's weights (not biases), by plain loops.</summary>
    private static double Penalty(double lambda, IReadOnlyList<LayerInfo> layers)
    {
        var squares = 0.0;
        foreach (var layer in layers)
        {
            var weights = layer.CopyWeights();
            foreach (var w in weights)
            {
                squares += w * w;
            }
        }

        return 0.5 * lambda * squares;
    }

    public static TheoryData<Optimizer, int?> Schedules()
    {
        var data = new TheoryData<Optimizer, int?>();
        foreach (var optimizer in new[] { Optimizer.GradientDescent, Optimizer.Momentum, Optimizer.Adam })
        {
            data.Add(optimizer, null);
            data.Add(optimizer, 8);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void The_first_epoch_costs_exceed_the_costs_without_L2_by_the_penalty_of_the_initial_weights(
        Optimizer optimizer, int? batchSize)
    {
        // A learning rate of 1e-12 leaves the weights at their initial values (to about 1e-12), so the
        // trained model's weights are the initial ones for the penalty.
        var data = SyntheticData.Blobs(seed: 3, classes: 3, perClass: 20, features: 4, spread: 1.0);
        var options = new TrainingOptions
        {
            HiddenLayers = [6],
            Activation = Activation.Tanh,
            Optimizer = optimizer,
            LearningRate = 1e-12,
            BatchSize = batchSize,
            Epochs = 1,
            ValidationFraction = 0.25,
            Seed = 5,
        };

        var without = Classifier.Train(data.Features, data.Labels, options);
        var penalised = Classifier.Train(data.Features, data.Labels, options with { L2 = Lambda });
        var penalty = Penalty(Lambda, penalised.Layers);

        Assert.True(penalty > 1, $"penalty {penalty}: too small to tell");
        Assert.Equal(penalty, penalised.Costs[0] - without.Costs[0], penalty * 1e-9);
        Assert.Equal(penalty, penalised.ValidationCosts[0] - without.ValidationCosts[0], penalty * 1e-9);
    }

    [Fact]
    public void Each_training_state_reports_the_penalised_cost_of_its_batch()
    {
        var data = SyntheticData.Blobs(seed: 4, classes: 2, perClass: 12, features: 3, spread: 1.0);
        var options = new TrainingOptions
        {
            HiddenLayers = [4],
            Initialization = Initialization.Xavier,
            LearningRate = 1e-12,
            Epochs = 1,
            Seed = 2,
        };

        var without = Classifier.TrainingStates(data.Features, data.Labels, options).First();
        var penalised = Classifier.TrainingStates(data.Features, data.Labels, options with { L2 = Lambda }).First();

        var penalty = Penalty(Lambda, penalised.Layers);
        Assert.Equal(penalty, penalised.Cost - without.Cost, penalty * 1e-9);
    }

    [Fact]
    public void GradientCheck_checks_the_gradient_of_the_penalised_cost()
    {
        var data = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 8, features: 3, spread: 2.0);
        var options = new TrainingOptions
        {
            HiddenLayers = [5],
            Activation = Activation.Tanh,
            Initialization = Initialization.Xavier,
            Seed = 11,
        };

        var plain = GradientCheck.Run(data.Features, data.Labels, options);
        var penalised = GradientCheck.Run(data.Features, data.Labels, options with { L2 = Lambda });

        Assert.True(penalised.Passed, $"relative difference {penalised.RelativeDifference}");
        // The gradients compared are other numbers: with the penalty dropped, both runs would be the same.
        Assert.NotEqual(plain.RelativeDifference, penalised.RelativeDifference);
    }

    [Fact]
    public async Task Gradcheck_takes_l2_like_train_and_checks_the_penalised_cost()
    {
        var plain = CliFiles.SingleJsonObject(await Succeeded("gradcheck", "--json", "--hidden", "4"));
        var penalised = CliFiles.SingleJsonObject(await Succeeded("gradcheck", "--json", "--hidden", "4", "--l2", "0.8"));

        Assert.Equal(0.0, plain.GetProperty("l2").GetDouble());
        Assert.Equal(0.8, penalised.GetProperty("l2").GetDouble());
        Assert.True(penalised.GetProperty("passed").GetBoolean());
        Assert.NotEqual(
            plain.GetProperty("relativeDifference").GetDouble(), penalised.GetProperty("relativeDifference").GetDouble());

        var bad = await CliHost.RunAsync(_scratch.Directory, "gradcheck", "--l2", "-1");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Single(bad.StderrLines);
        Assert.Contains("--l2", bad.StderrLines[0], StringComparison.Ordinal);
    }

    private async Task<CliResult> Succeeded(params string[] args)
    {
        var result = await CliHost.RunAsync(_scratch.Directory, args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
