// Reading and writing model files (docs/model-format.md). Reading trusts nothing in the file;
// writing never produces a file that reading would refuse, and never damages the file it replaces.

using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Perceptron;

/// <summary>Reads, writes and checks model files: JSON documents in the "perceptron-model" format, version 1.</summary>
public static class ModelFile
{
    /// <summary>The value of the "format" field of every model file.</summary>
    public const string FormatName = "perceptron-model";

    /// <summary>The version of the format that this library writes, and the only one it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The largest model file read, 512 MiB: about 25 million parameters at 20 characters each, more than a network
    /// this library trains in memory. A larger file is refused before it is read, not read whole and then refused.
    /// </summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>Reads and checks a model file.</summary>
    /// <param name="path">The model file; messages name it as given.</param>
    /// <exception cref="FileNotFoundException">The file does not exist; the message leads with its path.</exception>
    /// <exception cref="IOException">The file cannot be read (a missing folder, a directory, no permission, ...).</exception>
    /// <exception cref="DataFormatException">The file is not JSON or not a valid model; the message names the file
    /// and the line and column (invalid JSON) or the JSON path (an invalid model).</exception>
    public static ModelDocument Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = FileErrors.OpenRead(path, "a perceptron model file");
        return Read(stream, path);
    }

    /// <summary>Reads and checks a model from a stream, e.g. an embedded resource.</summary>
    /// <param name="stream">The UTF-8 JSON; read to the end but not disposed.</param>
    /// <param name="sourceName">The name that messages give for the source, e.g. a file name.</param>
    /// <exception cref="IOException">The stream cannot be read; the message leads with <paramref name="sourceName"/>.</exception>
    /// <exception cref="DataFormatException">The content is not JSON, or not a valid model.</exception>
    public static ModelDocument Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        byte[] bytes;
        try
        {
            if (stream.CanSeek && stream.Length > MaxBytes)
            {
                throw TooLarge(sourceName, stream.Length);
            }

            // A stream without a length (a pipe) is read up to the limit, never further.
            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    throw TooLarge(sourceName, null);
                }

                buffer.Write(chunk, 0, read);
            }

            bytes = buffer.ToArray();
        }
        catch (Exception e) when (UserFiles.IsFileError(e))
        {
            throw FileErrors.ForPath(sourceName, e, "expected a readable perceptron model file");
        }

        return Parse(bytes, sourceName);
    }

    /// <summary>
    /// Writes a model file atomically: the JSON goes to a new temporary file in the same directory, is
    /// flushed to disk, and then replaces <paramref name="path"/> by a rename. If anything fails, the
    /// temporary file is deleted and an existing file at <paramref name="path"/> is left as it was.
    /// </summary>
    /// <param name="path">The model file to create or replace.</param>
    /// <param name="model">The model; it is checked first with <see cref="Validate"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a valid model (nothing is written).</exception>
    /// <exception cref="IOException">The file cannot be written (no such directory, permission denied, disk full, ...); the message leads with its path.</exception>
    public static void Write(string path, ModelDocument model) => Write(path, model, static stream => stream);

    /// <summary>
    /// Checks that <paramref name="model"/> is consistent: shapes agree between features, layers and
    /// classes, activations are known, every number is finite, standard deviations are positive.
    /// </summary>
    /// <remarks>
    /// An invalid document in memory is a programming error (the code that built it is wrong), so this
    /// throws <see cref="ArgumentException"/>; the same rules broken in a file give a <see cref="DataFormatException"/>
    /// from <see cref="Read(string)"/>. The message names the element by its JSON path, e.g. <c>layers[1].bias</c>.
    /// </remarks>
    /// <exception cref="ArgumentException">The first rule that <paramref name="model"/> breaks.</exception>
    public static void Validate(ModelDocument model)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            ModelValidation.Check(model);
        }
        catch (ModelProblemException problem)
        {
            throw new ArgumentException($"Invalid model: {problem.Message}.", nameof(model));
        }
    }

    /// <summary>Write, with a seam for tests: <paramref name="wrap"/> sees the temporary file's stream
    /// and returns the stream to write the JSON to (a test makes it fail half-way).</summary>
    internal static void Write(string path, ModelDocument model, Func<Stream, Stream> wrap)
    {
        ArgumentNullException.ThrowIfNull(path);
        Validate(model);
        UserFiles.WriteAtomically(path, "the model file", file =>
        {
            var target = wrap(file);
            ModelJson.Write(target, model);
            target.Flush();
        });
    }

    private static DataFormatException TooLarge(string source, long? length) => new(
        source, null, null,
        $"the file is {(length is long l ? $"{l >> 20} MiB" : "larger than the limit")}; expected a perceptron model file of at most {MaxBytes >> 20} MiB");

    private static ModelDocument Parse(byte[] bytes, string source)
    {
        // A UTF-8 byte order mark is harmless in a text file but System.Text.Json refuses it.
        var bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var json = bytes.AsMemory(bom);
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new DataFormatException(source, null, null, "the file is empty; expected a perceptron model (JSON)");
        }

        // System.Text.Json checks UTF-8 only outside strings: a bad byte in a string would fail when it is read.
        if (!Utf8.IsValid(json.Span))
        {
            var at = bom + FirstInvalidUtf8(json.Span);
            var lineStart = bytes.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
            throw new DataFormatException(
                source, bytes.AsSpan(0, at).Count((byte)'\n') + 1, at - lineStart + 1,
                $"not valid UTF-8 (byte 0x{bytes[at]:X2}); expected a perceptron model file, JSON in UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            var line = (int?)(e.LineNumber + 1);
            var column = (int?)(e.BytePositionInLine + 1 + (e.LineNumber == 0 ? bom : 0));
            throw new DataFormatException(source, line, column, $"not valid JSON ({Describe(e)}); expected a perceptron model file", e);
        }

        using (document)
        {
            try
            {
                var model = ModelJson.Read(document.RootElement);
                ModelValidation.Check(model);
                return model;
            }
            catch (ModelProblemException problem)
            {
                throw new DataFormatException(source, null, null, problem.Message, problem);
            }
        }
    }

    /// <summary>The index of the first byte that does not begin a valid UTF-8 sequence (one is known to be there).</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> text)
    {
        var at = 0;
        while (Rune.DecodeFromUtf8(text[at..], out _, out var length) == OperationStatus.Done)
        {
            at += length;
        }

        return at;
    }

    /// <summary>System.Text.Json's message without the position it appends (the location says it), on one line.</summary>
    private static string Describe(JsonException e)
    {
        var message = e.Message;

        // For a misspelt literal ("nul", "tru") System.Text.Json quotes the whole rest of the file, line
        // breaks and all: keep the start of it. The last match is System.Text.Json's; the file may hold the words too.
        const string InvalidLiteral = "' is an invalid JSON literal.";
        var quoted = "";
        var literalEnd = message.LastIndexOf(InvalidLiteral, StringComparison.Ordinal);
        if (message.StartsWith('\'') && literalEnd > 0)
        {
            quoted = MessageText.Quote(message.AsSpan(1, literalEnd - 1));
            message = message[(literalEnd + 1)..];
        }

        // " Change the reader options." advises the programmer, not the user who edited the file.
        foreach (var suffix in new[] { " LineNumber:", " Path:", " Change the reader options" })
        {
            var at = message.IndexOf(suffix, StringComparison.Ordinal);
            if (at >= 0)
            {
                message = message[..at];
            }
        }

        // Any other text of the file that a message may quote stays on the line too.
        return (quoted + message).ReplaceLineEndings(" ").Trim().TrimEnd('.');
    }
}
