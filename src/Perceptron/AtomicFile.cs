namespace Perceptron;

/// <summary>
/// Writes files so that a reader sees the old file or the complete new one, never a part: the content goes to a
/// temporary file in the same folder, is flushed to disk, and is then renamed over the target. Model files,
/// prediction CSVs, JSON and pictures all go through here.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to a stream.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole content; may wrap the stream, and must flush what it wraps.</param>
    /// <exception cref="IOException">The folder is missing or the file cannot be written; the old file is untouched.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Replace(path, ".tmp", temporary =>
        {
            using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(file);
        });
    }

    /// <summary>Replaces <paramref name="path"/> with the UTF-8 text that <paramref name="write"/> writes.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole text.</param>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            write(writer);
        });
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with the file that <paramref name="writeTemporary"/> creates at the path it
    /// is given (for libraries that write to a path themselves, such as picture encoders).
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="extension">The temporary file's extension, for writers that choose a format by it (e.g. ".png").</param>
    /// <param name="writeTemporary">Creates the complete file at the temporary path.</param>
    public static void Replace(string path, string extension, Action<string> writeTemporary)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(extension);
        ArgumentNullException.ThrowIfNull(writeTemporary);

        // Same folder as the target: a rename within one file system is atomic, across them it is a copy.
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{extension}");
        try
        {
            writeTemporary(temporary);

            // On disk before the rename: otherwise a crash could leave the new name on an empty file.
            using (var file = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the failure being reported matters more than a leftover temporary file.
        }
    }
}
