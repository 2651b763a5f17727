// Opening and writing the files a user names, with the exceptions C# code catches for them: a missing
// file is a FileNotFoundException, a missing folder a DirectoryNotFoundException, anything else that
// stops the file system (a directory in the file's place, no permission) an IOException. Each message
// is one line that leads with the path. Malformed content is a DataFormatException, not one of these.
//
// Every file the user names is opened through OpenRead, and every write (UserFiles.WriteAtomically)
// reports its file-system errors through ForPath.

namespace Perceptron;

internal static class FileErrors
{
    /// <summary>Opens <paramref name="path"/> for sequential reading.</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="expected">What the file should be, for the message, e.g. "a CSV file".</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="IOException">A directory, no permission, or another file-system error.</exception>
    public static FileStream OpenRead(string path, string expected)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException($"the file name is empty; expected the path of {expected}", nameof(path));
        }

        // Opening a directory fails with a misleading "access denied" on some systems: say what it is.
        if (Directory.Exists(path))
        {
            throw new IOException($"{path}: is a directory; expected {expected}");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (UserFiles.IsFileError(e))
        {
            throw ForPath(path, e, $"expected {expected}");
        }
    }

    /// <summary>The exception to throw for a file-system error <paramref name="error"/> on <paramref name="path"/>.</summary>
    /// <param name="path">The path as the user gave it; the message leads with it.</param>
    /// <param name="error">What the file system threw.</param>
    /// <param name="expected">What was expected, e.g. "expected a writable path for the model file".</param>
    public static IOException ForPath(string path, Exception error, string expected)
    {
        var message = $"{path}: {UserFiles.Describe(error)}; {expected}";
        return error switch
        {
            FileNotFoundException => new FileNotFoundException(message, path, error),
            DirectoryNotFoundException => new DirectoryNotFoundException(message, error),
            _ => new IOException(message, error),
        };
    }
}
