// AtomicFile: the one way the project replaces a file (temporary file, flush to disk, rename).
using Xunit;

namespace Perceptron.Tests;

public class AtomicFileTests
{
    [Fact]
    public void WriteText_replaces_the_file_and_leaves_no_temporary_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("out.csv");
        File.WriteAllText(path, "old");

        AtomicFile.WriteText(path, w => w.Write("new"));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(scratch.Directory));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("model.json");
        File.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("disk full");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(scratch.Directory));
    }

    [Fact]
    public void Replace_passes_a_temporary_path_with_the_extension_in_the_target_folder()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("plot.png");
        string? seen = null;

        AtomicFile.Replace(path, ".png", temporary =>
        {
            seen = temporary;
            File.WriteAllBytes(temporary, [1, 2, 3]);
        });

        Assert.Equal(scratch.Directory, Path.GetDirectoryName(seen));
        Assert.EndsWith(".png", seen, StringComparison.Ordinal);
        Assert.NotEqual(path, seen);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
    }

    [Fact]
    public void A_missing_folder_is_an_IOException_and_creates_nothing()
    {
        using var scratch = new ScratchDirectory();

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteText(scratch.Path(Path.Combine("missing", "x.txt")), w => w.Write("x")));
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Directory));
    }
}
