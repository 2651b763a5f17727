using Xunit;

namespace Perceptron.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Works() => Assert.Equal(1, Placeholder.X);
}
