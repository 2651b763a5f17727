// GradientCheck through the C# facade: back-propagated gradients agree with central finite
// differences for every depth, smooth activation and output layer the classifier builds.
using Xunit;

namespace Perceptron.Tests;

public class GradientCheckTests
{
    public static TheoryData<Activation, int[], int> SmoothNetworks()
    {
        var data = new TheoryData<Activation, int[], int>();
        foreach (var activation in new[] { Activation.Tanh, Activation.Sigmoid })
        {
            foreach (var hidden in new[] { Array.Empty<int>(), [5], [5, 4] })
            {
                foreach (var classes in new[] { 2, 3 })
                {
                    data.Add(activation, hidden, classes);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SmoothNetworks))]
    public void Gradients_agree_with_finite_differences(Activation activation, int[] hidden, int classes)
    {
        var data = SyntheticData.Blobs(seed: 1, classes, perClass: 8, features: 3, spread: 2.0);
        var options = new TrainingOptions
        {
            HiddenLayers = hidden,
            Activation = activation,
            // Random weights for the perceptron too: at the default zeros every sample looks alike.
            Initialization = Initialization.Xavier,
            Seed = 11,
        };

        var result = GradientCheck.Run(data.Features, data.Labels, options);

        Assert.True(result.Passed, $"relative difference {result.RelativeDifference}");
        Assert.InRange(result.RelativeDifference, 0, GradientCheck.Threshold);
        Assert.Equal(1e-6, GradientCheck.Threshold);
        Assert.Equal(data.Samples, result.Samples);
        Assert.Equal(1e-6, result.Epsilon);

        // One entry per layer, each with units x inputs weights plus units biases.
        var widths = new[] { 3 }.Concat(hidden).Append(classes == 2 ? 1 : classes).ToArray();
        Assert.Equal(hidden.Length + 1, result.Layers.Count);
        for (var l = 0; l < result.Layers.Count; l++)
        {
            var layer = result.Layers[l];
            Assert.Equal(l, layer.Layer);
            Assert.Equal((widths[l + 1] * widths[l]) + widths[l + 1], layer.Parameters);
            Assert.InRange(layer.RelativeDifference, 0, GradientCheck.Threshold);
        }
    }

    [Fact]
    public void The_check_is_deterministic_and_depends_on_the_seed()
    {
        var data = SyntheticData.Xor(seed: 2, samples: 20);
        var options = new TrainingOptions { HiddenLayers = [4], Seed = 3 };

        var same = GradientCheck.Run(data.Features, data.Labels, options);
        var again = GradientCheck.Run(data.Features, data.Labels, options);
        var otherSeed = GradientCheck.Run(data.Features, data.Labels, options with { Seed = 4 });

        Assert.True(same.Passed);
        Assert.Equal(same, again with { Layers = same.Layers });
        Assert.Equal(same.Layers, again.Layers);
        Assert.NotEqual(same.RelativeDifference, otherSeed.RelativeDifference);
    }

    [Fact]
    public void The_check_uses_at_most_MaxSamples_samples()
    {
        var data = SyntheticData.Blobs(seed: 1, classes: 2, perClass: 150, features: 2);

        var result = GradientCheck.Run(data.Features, data.Labels, new TrainingOptions { HiddenLayers = [3] });

        Assert.Equal(256, GradientCheck.MaxSamples);
        Assert.Equal(GradientCheck.MaxSamples, result.Samples);
        Assert.True(result.Passed, $"relative difference {result.RelativeDifference}");
    }

    [Fact]
    public void The_check_uses_every_sample_of_a_small_set()
    {
        var data = SyntheticData.Blobs(seed: 1, classes: 2, perClass: 128, features: 2);

        var result = GradientCheck.Run(data.Features, data.Labels, new TrainingOptions { HiddenLayers = [3] });

        Assert.Equal(256, result.Samples);
    }

    [Fact]
    public void The_check_holds_on_the_training_split_of_unstandardised_features()
    {
        var data = SyntheticData.Blobs(seed: 5, classes: 3, perClass: 10, features: 4);
        var options = new TrainingOptions
        {
            HiddenLayers = [6],
            ValidationFraction = 0.2,
            Standardize = false,
            Seed = 8,
        };

        var result = GradientCheck.Run(data.Features, data.Labels, options);

        Assert.True(result.Passed, $"relative difference {result.RelativeDifference}");
        Assert.Equal(24, result.Samples); // the training part of the split
    }

    public static TheoryData<Activation> PiecewiseLinear() => [Activation.Relu, Activation.LeakyRelu];

    [Theory]
    [MemberData(nameof(PiecewiseLinear))]
    public void A_relu_network_reports_a_finite_relative_difference(Activation activation)
    {
        // ReLU has a kink at 0, so finite differences may straddle it: the check need not pass,
        // but it must report a number, per layer.
        var data = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 10, features: 3);

        var result = GradientCheck.Run(
            data.Features, data.Labels, new TrainingOptions { HiddenLayers = [6, 4], Activation = activation, Seed = 2 });

        Assert.True(double.IsFinite(result.RelativeDifference));
        Assert.InRange(result.RelativeDifference, 0, 1);
        Assert.Equal(result.RelativeDifference < GradientCheck.Threshold, result.Passed);
        Assert.Equal(3, result.Layers.Count);
        Assert.All(result.Layers, l => Assert.True(double.IsFinite(l.RelativeDifference)));
    }

    [Fact]
    public void A_larger_epsilon_is_used_and_reported()
    {
        var data = SyntheticData.Xor(seed: 2, samples: 20);

        var result = GradientCheck.Run(data.Features, data.Labels, new TrainingOptions { HiddenLayers = [4] }, epsilon: 1e-4);

        Assert.Equal(1e-4, result.Epsilon);
        // The truncation error grows with epsilon squared: still small, but larger than at 1e-6.
        var fine = GradientCheck.Run(data.Features, data.Labels, new TrainingOptions { HiddenLayers = [4] });
        Assert.True(result.RelativeDifference < 1e-5);
        Assert.NotEqual(fine.RelativeDifference, result.RelativeDifference);
    }

    [Fact]
    public void Running_the_check_leaves_the_data_unchanged()
    {
        var data = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 10);
        var x = (double[,])data.Features.Clone();
        var y = (int[])data.Labels.Clone();

        GradientCheck.Run(x, y, new TrainingOptions { HiddenLayers = [3] });

        Assert.True(SyntheticData.BitIdentical(data.Features, x));
        Assert.Equal(data.Labels, y);
    }

    [Fact]
    public void Correct_gradients_of_a_100_class_softmax_pass()
    {
        // At 100 classes the rounding noise of the differences reached 1.2e-7, above the old 1e-7 threshold
        // (the core's GradientCheckTests show that a broken gradient still fails by orders of magnitude).
        var data = SyntheticData.Blobs(seed: 3, classes: 100, perClass: 3, features: 4, spread: 1.0);
        var options = new TrainingOptions { Initialization = Initialization.Normal, InitScale = 0.1, Seed = 4 };

        var correct = GradientCheck.Run(data.Features, data.Labels, options);

        Assert.True(correct.Passed, $"relative difference {correct.RelativeDifference}");
    }
}
