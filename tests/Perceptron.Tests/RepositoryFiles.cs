// Locates files of the repository (the embedded data sets) from the test binaries, wherever the
// repository was cloned, and gives each test a scratch directory of its own.

namespace Perceptron.Tests;

internal static class RepositoryFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Perceptron.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Perceptron.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The path of a file given relative to the repository root, e.g. "data/breast-cancer.csv".</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root.Value, relative);
}

/// <summary>A fresh empty directory, deleted with its contents on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory() => System.IO.Directory.CreateDirectory(Directory);

    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"perceptron-tests-{Guid.NewGuid():N}");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
