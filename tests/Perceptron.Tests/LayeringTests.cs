// The layering of issue 9: the core owns the pipeline (a caller of the core gets the facade's model bit for
// bit), the facade converts F# types in one file, and the console host uses the facade alone.
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.FSharp.Core;
using Xunit;
using Core = Perceptron.Core;

namespace Perceptron.Tests;

public class LayeringTests
{
    private static IReadOnlyList<string> ReferencedAssemblies(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
    }

    [Fact]
    public void The_console_host_does_not_reference_the_core_or_FSharp_Core()
    {
        var host = ReferencedAssemblies(CliHost.Executable);

        Assert.DoesNotContain("Perceptron.Core", host);
        Assert.DoesNotContain("FSharp.Core", host);
        Assert.Contains("Perceptron.Facade", host);
    }

    [Fact]
    public void The_reference_check_sees_the_facade_reference_the_core()
    {
        // The same reading of the facade finds the core, so the check above could fail.
        Assert.Contains("Perceptron.Core", ReferencedAssemblies(typeof(Classifier).Assembly.Location));
    }

    /// <summary>Words that only F# interop code writes.</summary>
    private static readonly string[] FSharpWords =
        ["FSharpOption", "FSharpList", "FSharpFunc", "FuncConvert", "ListModule", "Microsoft.FSharp", "Tuple<", ".Item1", ".Item2"];

    private static IEnumerable<string> FSharpLines(string file) =>
        File.ReadLines(file)
            .Select((line, i) => (line, i))
            .Where(l => FSharpWords.Any(w => l.line.Contains(w, StringComparison.Ordinal)))
            .Select(l => $"{Path.GetFileName(file)}:{l.i + 1}: {l.line.Trim()}");

    [Fact]
    public void Only_Interop_cs_handles_FSharp_types_in_the_facade()
    {
        var folder = RepositoryFiles.Path(Path.Combine("src", "Perceptron"));
        var lines = Directory.GetFiles(folder, "*.cs")
            .Where(f => Path.GetFileName(f) != "Interop.cs")
            .SelectMany(FSharpLines)
            .ToList();

        Assert.True(lines.Count == 0, "F# types outside Interop.cs:\n" + string.Join("\n", lines));
        Assert.NotEmpty(FSharpLines(Path.Combine(folder, "Interop.cs")));
    }

    [Fact]
    public void The_core_pipeline_called_directly_gives_the_model_of_Classifier_Train_bit_for_bit()
    {
        var data = SyntheticData.Blobs(seed: 3, classes: 3, perClass: 30, features: 3);
        var options = new TrainingOptions
        {
            HiddenLayers = [6],
            Activation = Activation.Relu,
            Optimizer = Optimizer.Momentum,
            LearningRate = 0.05,
            Epochs = 40,
            BatchSize = 16,
            Seed = 11,
            ValidationFraction = 0.2,
            Patience = 5,
        };

        var facade = Classifier.Train(data.Features, data.Labels, options);
        var core = Core.ModelModule.Train(
            new Core.TrainOptions(
                Microsoft.FSharp.Collections.ListModule.OfSeq([6]),
                Core.Activation.Relu,
                Core.Initialization.He,
                Core.OptimizerModule.WithL2(0.0, Core.OptimizerModule.Momentum(0.05, 0.9)),
                40,
                FSharpOption<int>.Some(16),
                11,
                true,
                0.2,
                true,
                FSharpOption<Core.EarlyStopping>.Some(new Core.EarlyStopping(5, 0.0)),
                FSharpOption<Core.Model>.None,
                FSharpOption<string[]>.None,
                Core.ScheduleModule.Constant,
                FSharpOption<Microsoft.FSharp.Collections.FSharpList<Core.Activation>>.None,
                FSharpOption<double[]>.None,
                Core.ClassWeights.None),
            data.Features,
            data.Labels,
            FuncConvert.FromFunc<Core.EpochReport, bool>(_ => true));

        Assert.Equal(facade.EpochsRun, core.Training.Epochs);
        Assert.True(SyntheticData.BitIdentical(facade.Costs, core.Training.Costs));
        Assert.True(SyntheticData.BitIdentical(facade.ValidationCosts, core.Training.ValidationCosts));
        var coreLayers = core.Network.Layers.ToArray();
        Assert.Equal(facade.Layers.Count, coreLayers.Length);
        for (var l = 0; l < coreLayers.Length; l++)
        {
            Assert.True(SyntheticData.BitIdentical(facade.Layers[l].CopyWeights(), coreLayers[l].Weights));
            Assert.True(SyntheticData.BitIdentical(facade.Layers[l].Bias, coreLayers[l].Bias));
        }

        Assert.Equal(facade.Predict(data.Features), Core.ModelModule.Predict(core, data.Features));
    }
}
