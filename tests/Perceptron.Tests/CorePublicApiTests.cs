// The public surface of the F# core (Perceptron.Core), recorded one signature per line and compared with
// CorePublicApi.approved.txt, as the facade's is, so that every change to the learner's API is seen in review.
using System.Reflection;
using Xunit;

namespace Perceptron.Tests;

public class CorePublicApiTests
{
    private static readonly Assembly Core = typeof(Perceptron.Core.Network).Assembly;

    [Fact]
    public void The_cores_public_surface_matches_the_approved_file() =>
        PublicApiTests.Approve(PublicApi.Surface(Core), Core.GetName().Name!, "CorePublicApi.approved.txt", "CorePublicApi.received.txt");

    [Fact]
    public void The_surface_lists_the_formulation_and_the_training_steps()
    {
        var lines = PublicApi.Surface(Core);

        Assert.Contains(lines, l => l.StartsWith("Perceptron.Core.FormulationModule: ", StringComparison.Ordinal) || l.StartsWith("Perceptron.Core.Formulation: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Perceptron.Core.Training: ", StringComparison.Ordinal) && l.Contains(" Steps(", StringComparison.Ordinal));
    }

    [Fact]
    public void Kernel_level_functions_are_not_in_the_learners_surface()
    {
        var lines = PublicApi.Surface(Core);

        Assert.DoesNotContain(lines, l => l.Contains("Span2(", StringComparison.Ordinal) || l.Contains(".Gemm(", StringComparison.Ordinal) || l.Contains(" Gemm(", StringComparison.Ordinal));
    }
}
