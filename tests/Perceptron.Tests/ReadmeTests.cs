using System.Text.RegularExpressions;
using Xunit;

namespace Perceptron.Tests;

/// <summary>README.md shows exactly the C# examples that ReadmeExamples compiles and runs.</summary>
public class ReadmeTests
{
    [Theory]
    [InlineData("quick start")]
    [InlineData("step by step")]
    public void ReadmeShowsTheCompiledExample(string name)
    {
        var source = File.ReadAllText(RepositoryFiles.Path("tests/Perceptron.Tests/ReadmeExamples.cs"));
        var match = Regex.Match(source, $@"// README: {name}\n(.*?)\n\s*// README: end", RegexOptions.Singleline);
        Assert.True(match.Success, $"ReadmeExamples.cs has no region '{name}'");
        var lines = match.Groups[1].Value.Split('\n').Select(l => l.StartsWith("        ", StringComparison.Ordinal) ? l[8..] : l.Trim());
        var expected = "```csharp\nusing Perceptron;\n\n" + string.Join('\n', lines) + "\n```";
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(expected, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadmeShowsTheTwoCommands()
    {
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md"));
        Assert.Contains("dotnet run --project src/Perceptron.Cli -- train", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test", File.ReadAllText(RepositoryFiles.Path(".ci/run")), StringComparison.Ordinal);
    }
}
