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

    /// <summary>Writes text to a file atomically (temporary file in the same folder, then rename).</summary>
    public static void WriteAtomically(string path, Action<TextWriter> write) =>
        ReplaceAtomically(path, ".tmp", "the file", temporary =>
        {
            using var writer = new StreamWriter(temporary);
            write(writer);
        });

    /// <summary>
    /// Writes a file through a temporary file in the same folder, then renames it over <paramref name="path"/>:
    /// a failure leaves an existing file untouched and no temporary file behind.
    /// </summary>
    public static void ReplaceAtomically(string path, string extension, string what, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{path}: the folder '{folder}' does not exist");
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{extension}");
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot write {what} ({e.Message})");
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
