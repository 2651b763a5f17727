// Resources: the core's estimates of memory and work, through the facade.
using Xunit;

namespace Perceptron.Tests;

public class ResourcesTests
{
    [Fact]
    public void The_parameter_count_is_that_of_the_network_training_builds()
    {
        var data = SyntheticData.Blobs(seed: 1, classes: 3, perClass: 5, features: 4);
        var classifier = Classifier.Train(data.Features, data.Labels, new TrainingOptions { HiddenLayers = [3, 2], Epochs = 1 });

        var parameters = classifier.Layers.Sum(l => (l.Units * l.Inputs) + l.Units);

        Assert.Equal(parameters, Resources.ParameterCount(4, [3, 2], 3));
        Assert.Equal((4 * 1) + 1, Resources.ParameterCount(4, [], 2)); // two classes: one sigmoid unit
    }

    [Fact]
    public void Sizes_beyond_int_stay_finite_and_grow_with_the_network_the_batch_and_the_data()
    {
        var huge = Resources.TrainingBytes(30, [int.MaxValue], 2, 455, null);
        Assert.True(double.IsFinite(huge) && huge > 1e12, $"{huge}");

        var small = Resources.TrainingBytes(30, [16], 2, 455, 32);
        Assert.True(small < Resources.TrainingBytes(30, [32], 2, 455, 32));
        Assert.True(small < Resources.TrainingBytes(30, [16], 2, 455, null));
        Assert.True(small < Resources.TrainingBytes(30, [16], 2, 4550, 32));

        // Two cost evaluations per parameter, each over every sample and weight.
        Assert.Equal(2.0 * 31 * 2 * 31 * 100, Resources.GradientCheckOperations(30, [], 2, 100));
    }
}
