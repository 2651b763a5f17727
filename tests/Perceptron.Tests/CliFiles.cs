// Files the console host tests give to the host or read back from it: small CSV data sets written
// into a scratch folder, a hand-written model file in the documented format, PNG headers.

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Perceptron.Tests;

internal static class CliFiles
{
    /// <summary>The breast-cancer data set the host embeds, as the repository ships it.</summary>
    public static string BreastCancer => RepositoryFiles.Path("data/breast-cancer.csv");

    /// <summary>
    /// A valid two-class perceptron for features a, b and label y, written by hand from
    /// docs/model-format.md (no training section: it may be left out).
    /// </summary>
    public const string SmallModel = """
        {
          "format": "perceptron-model",
          "version": 1,
          "features": ["a", "b"],
          "label": "y",
          "classes": ["0", "1"],
          "standardization": null,
          "layers": [
            { "activation": "sigmoid", "weights": [[1.5, -0.5]], "bias": [0.25] }
          ]
        }
        """;

    /// <summary>Writes text as UTF-8 without a byte order mark and returns the path.</summary>
    public static string Write(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary>
    /// Three well separated classes with string labels, and the label column in the middle:
    /// sepal_length, sepal_width, species, petal_length.
    /// </summary>
    public static string ThreeClasses(string folder, string name = "flowers.csv", int samples = 90)
    {
        string[] species = ["setosa", "versicolor", "virginica"];
        var random = new Random(11);
        var text = new StringBuilder("sepal_length,sepal_width,species,petal_length\n");
        for (var i = 0; i < samples; i++)
        {
            var k = i % 3;
            double Noise(double scale) => scale * (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5);
            text.Append(CultureInfo.InvariantCulture, $"{2 * k + Noise(0.8):F3},{-k + Noise(0.8):F3},{species[k]},{k + Noise(0.6):F3}\n");
        }

        return Write(folder, name, text.ToString());
    }

    /// <summary>The rows of a CSV file without quoting (the files the host writes here need none).</summary>
    public static string[][] ReadCsv(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();

    /// <summary>Writes the breast-cancer data without its label column (predict accepts that).</summary>
    public static string BreastCancerWithoutLabels(string folder)
    {
        var rows = File.ReadAllLines(BreastCancer).Where(l => l.Length > 0).Select(l => string.Join(',', l.Split(',')[..^1]));
        return Write(folder, "unlabelled.csv", string.Join('\n', rows) + "\n");
    }

    /// <summary>Checks that <paramref name="path"/> is a PNG picture of a readable size and returns its size.</summary>
    public static (int Width, int Height) AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5 * 1024, $"{path} has only {bytes.Length} bytes; expected a real picture (> 5 KB)");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        // The first chunk is IHDR: a 4-byte length, the type, then width and height, big-endian.
        Assert.Equal("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.InRange(width, 400, 4000);
        Assert.InRange(height, 300, 4000);
        return (width, height);
    }

    /// <summary>Parses stdout as exactly one JSON object (trailing text of any kind fails).</summary>
    public static JsonElement SingleJsonObject(CliResult result)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(result.Stdout);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({e.Message})\n{result}");
        }

        using (document)
        {
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            return document.RootElement.Clone();
        }
    }

    /// <summary>A model file parsed as JSON.</summary>
    public static JsonElement ReadJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    /// <summary>Files a failed write may leave behind: the hidden temporary files of an atomic write.</summary>
    public static string[] TemporaryFiles(string folder) =>
        Directory.GetFiles(folder, ".*").Select(f => Path.GetFileName(f)!).ToArray();
}
