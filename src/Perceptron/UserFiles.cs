// Writing the files a user names, and telling file-system errors apart: a failure of the file system
// (no such folder, a directory, no permission, a full disk) is an IOException from FileErrors that
// leads with the path; DataFormatException is for malformed content alone.

namespace Perceptron;

internal static class UserFiles
{
    /// <summary>
    /// Writes a file the user named through <see cref="AtomicFile.Write"/>: the old file stays whole on failure.
    /// An empty name is an <see cref="ArgumentException"/>; a folder or a file-system error is the
    /// <see cref="IOException"/> of <see cref="FileErrors.ForPath"/>, leading with the path.
    /// </summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="what">What the file is, for the message, e.g. "the model file".</param>
    /// <param name="write">Writes the whole content.</param>
    public static void WriteAtomically(string path, string what, Action<Stream> write)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException($"the file name is empty; expected the path of {what} to write", nameof(path));
        }

        if (Directory.Exists(path))
        {
            throw new IOException($"{path}: is a directory; expected the path of {what} to write");
        }

        try
        {
            AtomicFile.Write(path, write);
        }
        catch (Exception e) when (IsFileError(e))
        {
            throw FileErrors.ForPath(path, e, $"expected a writable path for {what}");
        }
    }

    /// <summary>True for the exceptions the file system throws for a user's path or disk.</summary>
    public static bool IsFileError(Exception e) =>
        e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException;

    /// <summary>A short reason for a file-system error, without the path (the message leads with it).</summary>
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException or System.Security.SecurityException => "permission denied",
        PathTooLongException => "the path is too long",
        // The runtime appends " : 'PATH'" to an OS error; the message already leads with the path.
        _ => $"cannot be accessed ({e.Message.Split(" : '")[0].TrimEnd('.')})",
    };
}
