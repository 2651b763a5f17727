using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Perceptron.Cli;

/// <summary>Formatting shared by the commands.</summary>
internal static class Output
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>True when output should be plain lines: redirected, or machine-readable JSON requested.</summary>
    public static bool Plain(bool json) => json || Console.IsOutputRedirected || Environment.GetEnvironmentVariable("CI") is not null;

    public static string Number(double value, string format = "F6") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + " %";

    /// <summary>Writes text to a file atomically, through the facade's <see cref="AtomicFile"/>.</summary>
    public static void WriteAtomically(string path, Action<TextWriter> write) =>
        Replacing(path, "the file", () => AtomicFile.WriteText(path, write));

    /// <summary>
    /// Writes a file through a temporary file in the same folder (<see cref="AtomicFile"/>: flushed to disk, then
    /// renamed over <paramref name="path"/>): a failure leaves an existing file untouched and no temporary file behind.
    /// </summary>
    public static void ReplaceAtomically(string path, string extension, string what, Action<string> writeTemporary) =>
        Replacing(path, what, () => AtomicFile.Replace(path, extension, writeTemporary));

    /// <summary>Runs an atomic replacement, with the host's one-line errors for a missing folder or a failed write.</summary>
    private static void Replacing(string path, string what, Action replace)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{path}: the folder '{folder}' does not exist");
        }

        try
        {
            replace();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot write {what} ({e.Message})");
        }
    }
}
