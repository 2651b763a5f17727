using Xunit;

namespace Perceptron.Tests;

/// <summary>
/// Every ```csharp block of README.md compiles on its own as a console program (no names left
/// undefined, no warnings) and runs from the repository root with exit code 0.
/// </summary>
public class ReadmeTests
{
    /// <summary>The blocks that need only the framework and the facade (see <see cref="BlocksNeedingOtherPackagesAreRunElsewhere"/>).</summary>
    public static TheoryData<int> ReadmeBlockIndexes()
    {
        var blocks = ReadmeExamples.ReadmeBlocks();
        return [.. Enumerable.Range(0, blocks.Count).Where(i => ReadmeExamples.ForeignNamespaces(blocks[i]).Count == 0)];
    }

    [Theory]
    [MemberData(nameof(ReadmeBlockIndexes))]
    public async Task EveryCSharpBlockCompilesAndRunsAsItsOwnProgram(int index)
    {
        var block = ReadmeExamples.ReadmeBlocks()[index];
        var (image, problems) = ReadmeExamples.Compile(block.Code);
        Assert.True(image is not null, $"{block} does not compile as a program of its own:\n{string.Join('\n', problems)}");

        var run = await ReadmeExamples.RunAsync(image!, RepositoryFiles.Path("."));
        Assert.True(run.ExitCode == 0, $"{block} failed when run from the repository root:\n{run}");
        Assert.NotEmpty(run.Stdout);
    }

    [Fact]
    public void ReadmeHasTheCSharpExamples()
    {
        var blocks = ReadmeExamples.ReadmeBlocks();
        Assert.True(blocks.Count >= 2, $"README.md has {blocks.Count} C# blocks; expected the quick start and the training states");
        Assert.Contains(blocks, b => b.Code.Contains("Classifier.Train(", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Code.Contains("LogisticRegression.Propagate(", StringComparison.Ordinal));
    }

    [Fact]
    public void BlocksNeedingOtherPackagesAreRunElsewhere()
    {
        // The ONNX Runtime example needs Microsoft.ML.OnnxRuntime, which tests/Perceptron.Onnx.Tests
        // references and this project does not; that project compiles and runs it.
        foreach (var block in ReadmeExamples.ReadmeBlocks())
        {
            var foreign = ReadmeExamples.ForeignNamespaces(block);
            Assert.True(
                foreign.All(name => name == "Microsoft.ML.OnnxRuntime"),
                $"{block} imports {string.Join(", ", foreign)}, which no test project compiles it with");
            if (foreign.Count > 0)
            {
                Assert.True(File.Exists(RepositoryFiles.Path("tests/Perceptron.Onnx.Tests/OnnxReadmeExamples.cs")), $"{block} is run by no test");
            }
        }
    }

    [Fact]
    public void ForeignNamespacesAreTheImportsOutsideTheFrameworkAndTheFacade()
    {
        var block = new CodeBlock(1, "using Microsoft.ML.OnnxRuntime;\nusing Perceptron;\nusing System.Text;\n\nConsole.WriteLine();\n");
        Assert.Equal(["Microsoft.ML.OnnxRuntime"], ReadmeExamples.ForeignNamespaces(block));
    }

    [Fact]
    public void BlocksAreFoundWithTheirLines()
    {
        var blocks = ReadmeExamples.Blocks("# T\n\n```csharp\nA();\n```\n\n```sh\nls\n```\n```csharp\nB();\nC();\n```\n");
        Assert.Equal([new CodeBlock(4, "A();\n"), new CodeBlock(11, "B();\nC();\n")], blocks);
    }

    [Fact]
    public void AnUndefinedNameFailsTheCompilation()
    {
        // The quick start as it once was: trainFile was never defined.
        var (image, problems) = ReadmeExamples.Compile("using Perceptron;\n\nTable data = Table.Load(trainFile);\n");
        Assert.Null(image);
        Assert.Contains(problems, p => p.Contains("CS0103", StringComparison.Ordinal) && p.Contains("trainFile", StringComparison.Ordinal));
    }

    [Fact]
    public void AWarningFailsTheCompilation()
    {
        var (image, problems) = ReadmeExamples.Compile("string? name = null;\nConsole.WriteLine(name.Length);\n");
        Assert.Null(image);
        Assert.Contains(problems, p => p.Contains("CS8602", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AProgramThatThrowsFailsTheRun()
    {
        var (image, problems) = ReadmeExamples.Compile(
            "using Perceptron;\n\nConsole.WriteLine(LogisticRegression.Sigmoid(0));\nTable.Load(\"data/no-such-file.csv\");\n");
        Assert.True(image is not null, string.Join('\n', problems));

        var run = await ReadmeExamples.RunAsync(image!, RepositoryFiles.Path("."));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("0.5", run.Stdout.Trim());
        Assert.Contains("no-such-file.csv", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadmeShowsTheTwoCommands()
    {
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md"));
        Assert.Contains("dotnet run --project src/Perceptron.Cli -- train", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet test", File.ReadAllText(RepositoryFiles.Path(".ci/run")), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadmeNamesTheDocumentationCommandsAndLinksEveryTutorial()
    {
        var readme = File.ReadAllText(RepositoryFiles.Path("README.md"));
        Assert.Contains("dotnet fsdocs build --eval --properties Configuration=Release", readme, StringComparison.Ordinal);
        Assert.Contains("--strict", File.ReadAllText(RepositoryFiles.Path(".ci/run")), StringComparison.Ordinal);
        var tutorials = Directory.GetFiles(RepositoryFiles.Path("docs"), "*.fsx").Select(Path.GetFileName).ToArray();
        Assert.True(tutorials.Length >= 6, $"docs/ has {tutorials.Length} scripts; expected the load script and five tutorials");
        Assert.All(tutorials, name => Assert.Contains($"](docs/{name})", readme, StringComparison.Ordinal));
    }
}
