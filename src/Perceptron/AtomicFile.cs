using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Perceptron;

/// <summary>
/// Writes files so that a reader sees the old file or the complete new one, never a part: the content goes to a
/// temporary file in the same folder, is flushed to disk, and is then renamed over the target. Model files,
/// prediction CSVs, JSON and pictures all go through here.
/// </summary>
/// <remarks>
/// A target that exists and is not a regular file is never renamed over: a character device (/dev/null,
/// /dev/stdout on a terminal) or a FIFO is written in place, as any program writes to it, and a socket or block
/// device is refused. Temporary files are named <c>.perceptron-PID-RANDOM.tmp</c> (short, so that a target name
/// near the 255-byte limit still has a valid temporary name); one left by a process that no longer runs (killed
/// during the write) is deleted by the next write to the same folder.
/// </remarks>
public static class AtomicFile
{
    private const string TemporaryPrefix = ".perceptron-";

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to a stream.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole content; may wrap the stream, and must flush what it wraps.</param>
    /// <exception cref="IOException">The folder is missing or the file cannot be written; the old file is untouched.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        if (SpecialFile.Kind(path) is { } kind)
        {
            using var device = OpenInPlace(path, kind);
            write(device);
            device.Flush();
            return;
        }

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

        var full = Path.GetFullPath(path);
        var special = SpecialFile.Kind(full);

        // Same folder as the target: a rename within one file system is atomic, across them it is a copy.
        // A device is written in place, so its temporary file goes where it can be created: the system's folder.
        var folder = special is null ? Path.GetDirectoryName(full) ?? "." : Path.GetTempPath();
        SweepStale(folder);
        var temporary = Path.Combine(
            folder, $"{TemporaryPrefix}{Environment.ProcessId}-{Random.Shared.Next():x8}{extension}");
        try
        {
            writeTemporary(temporary);
            if (special is { } kind)
            {
                using var source = new FileStream(temporary, FileMode.Open, FileAccess.Read);
                using var device = OpenInPlace(full, kind);
                source.CopyTo(device);
                device.Flush();
                return;
            }

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

    /// <summary>True when <paramref name="path"/> exists and is a device, FIFO or socket: written in place or refused, never replaced.</summary>
    /// <param name="path">The path to look at.</param>
    public static bool IsSpecialFile(string path) => SpecialFile.Kind(path) is not null;

    /// <summary>Opens a device or FIFO to write in place; refuses the kinds that cannot take a file's content.</summary>
    private static FileStream OpenInPlace(string path, string kind) =>
        kind is "a character device" or "a FIFO"
            ? new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None)
            : throw new IOException($"'{path}' is {kind}, not a regular file; expected a file to write");

    /// <summary>How old a dead process's temporary file must be before a write sweeps it.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    /// <summary>
    /// Deletes temporary files that a process which no longer runs left in <paramref name="folder"/> (a second Ctrl+C
    /// or a kill during a write ends the process before it can clean up). A running writer's files are left alone,
    /// and so is any file changed in the last day: in a folder shared between machines or containers, a process
    /// id this machine does not see may belong to a live writer elsewhere.
    /// </summary>
    private static void SweepStale(string folder)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, TemporaryPrefix + "*"))
            {
                var name = Path.GetFileName(file).AsSpan(TemporaryPrefix.Length);
                var dash = name.IndexOf('-');
                if (dash > 0
                    && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && !IsRunning(pid)
                    && File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - StaleAfter)
                {
                    TryDelete(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a folder that cannot be listed still gets the write, which reports its own errors.
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
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

    /// <summary>The type of an existing file that is not a regular file or a folder, by stat(2) on Unix.</summary>
    internal static class SpecialFile
    {
        /// <summary>"a character device", "a FIFO", "a socket" or "a block device"; null for a regular file, a folder or no file.</summary>
        public static string? Kind(string path)
        {
            if (OperatingSystem.IsWindows())
            {
                return null;
            }

            // The runtime's own stat shim: its structure starts with two 32-bit fields, flags then mode, on every
            // Unix; a generous buffer keeps the call safe whatever follows them.
            var status = new byte[512];
            if (Stat(path, status) != 0)
            {
                return null;
            }

            return (BitConverter.ToInt32(status, 4) & 0xF000) switch
            {
                0x2000 => "a character device",
                0x1000 => "a FIFO",
                0xC000 => "a socket",
                0x6000 => "a block device",
                _ => null,
            };
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] status);
    }
}
