using Xunit;

namespace Perceptron.Tests;

public class SmokeTests
{
    [Fact]
    public void SigmoidOfZeroIsOneHalf() => Assert.Equal(0.5, LogisticRegression.Sigmoid(0));
}
