// The facade's name tables are the core's: every enum value has the core's name, and the model file
// and the command line read the same table.
using Xunit;
using Core = Perceptron.Core;

namespace Perceptron.Tests;

public class NamesTests
{
    [Fact]
    public void Optimizer_names_are_the_cores_and_round_trip()
    {
        Assert.Equal(["gd", "momentum", "adam"], Names.Optimizers.Keys);
        foreach (var (name, optimizer) in Names.Optimizers)
        {
            Assert.Equal(name, Names.Of(optimizer));
            var parsed = Core.OptimizerKindModule.TryParse(name);
            Assert.NotNull(parsed);
            Assert.Equal(name, Core.OptimizerKindModule.Name(parsed.Value));
        }
    }

    [Fact]
    public void The_model_file_records_the_optimizer_by_the_tables_name()
    {
        double[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        int[] y = [0, 1, 1, 0];
        foreach (var optimizer in Enum.GetValues<Optimizer>())
        {
            var model = Classifier.Train(x, y, new TrainingOptions { Optimizer = optimizer, Epochs = 2 });
            var path = Path.Combine(Path.GetTempPath(), $"perceptron-names-{Guid.NewGuid():N}.json");
            try
            {
                model.Save(path);
                Assert.Contains($"\"optimizer\": \"{Names.Of(optimizer)}\"", File.ReadAllText(path), StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void Activation_and_initialization_names_round_trip()
    {
        foreach (var (name, activation) in Names.HiddenActivations)
        {
            Assert.Equal(name, Names.Of(activation));
            Assert.Equal(activation, Names.ParseActivation(name.ToUpperInvariant()));
        }

        foreach (var (name, initialization) in Names.Initializations)
        {
            Assert.Equal(name, Names.Of(initialization));
        }
    }
}
