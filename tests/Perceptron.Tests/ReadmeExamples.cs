// Compiles a C# code block of README.md as a program of its own (top-level statements, the implicit
// usings and nullable context of a new console project, warnings as errors) against the built facade,
// and runs it as a child process in a directory of the caller's choosing.

using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Perceptron.Tests;

/// <summary>A ```csharp block of a Markdown file and the line its code starts on.</summary>
internal sealed record CodeBlock(int Line, string Code)
{
    public override string ToString() => $"README.md line {Line}";
}

/// <summary>What running a compiled block left behind.</summary>
internal sealed record ProgramRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static partial class ReadmeExamples
{
    /// <summary>The usings that `dotnet new console` gives every file (ImplicitUsings).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>A run that takes longer than this has hung.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        // The framework's assemblies, and the facade with what it references (the core, FSharp.Core, ...).
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetDirectoryName(path) == Path.GetDirectoryName(typeof(object).Assembly.Location));
        return framework.Concat(FacadeClosure()).Select(path => MetadataReference.CreateFromFile(path)).ToArray<MetadataReference>();
    });

    /// <summary>Every ```csharp block of <paramref name="markdown"/>, in order.</summary>
    public static IReadOnlyList<CodeBlock> Blocks(string markdown)
    {
        var text = markdown.Replace("\r\n", "\n", StringComparison.Ordinal);
        return CSharpFence().Matches(text)
            .Select(m => new CodeBlock(text[..m.Groups[1].Index].Count(c => c == '\n') + 1, m.Groups[1].Value))
            .ToArray();
    }

    /// <summary>The C# blocks of the repository's README.md.</summary>
    public static IReadOnlyList<CodeBlock> ReadmeBlocks() =>
        Blocks(File.ReadAllText(RepositoryFiles.Path("README.md")));

    /// <summary>
    /// The namespaces a block imports that neither the framework nor the facade provides (e.g.
    /// Microsoft.ML.OnnxRuntime): such a block needs a package this test project does not reference.
    /// </summary>
    public static IReadOnlyList<string> ForeignNamespaces(CodeBlock block) =>
        UsingDirective().Matches(block.Code)
            .Select(m => m.Groups[1].Value)
            .Where(name => name != "Perceptron" && name != "System" && !name.StartsWith("System.", StringComparison.Ordinal))
            .ToArray();

    /// <summary>Compiles <paramref name="code"/> as a console program; the image, or the errors and warnings.</summary>
    public static (byte[]? Image, IReadOnlyList<string> Problems) Compile(string code)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ReadmeBlock",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, parse), CSharpSyntaxTree.ParseText(code, parse, path: "README.md")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToArray();
        return (result.Success && problems.Length == 0 ? image.ToArray() : null, problems);
    }

    /// <summary>Runs a compiled program with `dotnet` in <paramref name="workingDirectory"/>; fails after a timeout.</summary>
    public static async Task<ProgramRun> RunAsync(byte[] image, string workingDirectory)
    {
        using var scratch = new ScratchDirectory();
        File.WriteAllBytes(scratch.Path("ReadmeBlock.dll"), image);
        var version = Environment.Version;
        File.WriteAllText(
            scratch.Path("ReadmeBlock.runtimeconfig.json"),
            $$"""{ "runtimeOptions": { "tfm": "net{{version.Major}}.{{version.Minor}}", "framework": { "name": "Microsoft.NETCore.App", "version": "{{version.Major}}.{{version.Minor}}.0" } } }""");
        foreach (var dependency in FacadeClosure())
        {
            File.Copy(dependency, scratch.Path(Path.GetFileName(dependency)));
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(scratch.Path("ReadmeBlock.dll"));
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.TryAdd("OPENBLAS_NUM_THREADS", "1");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The program did not finish within {Timeout.TotalSeconds} s.");
        }

        return new ProgramRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The files of the facade's assembly and of every non-framework assembly it needs, from the test's folder.</summary>
    private static IEnumerable<string> FacadeClosure()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<Assembly>([typeof(Classifier).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (Path.GetDirectoryName(assembly.Location) == runtime || !seen.TryAdd(assembly.GetName().Name!, assembly.Location))
            {
                continue;
            }

            foreach (var name in assembly.GetReferencedAssemblies())
            {
                pending.Push(Assembly.Load(name));
            }
        }

        return seen.Values;
    }

    [GeneratedRegex(@"^```csharp\n(.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpFence();

    [GeneratedRegex(@"^using\s+([A-Za-z][\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();
}
