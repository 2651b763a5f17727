// Shared pieces of the fuzz tests (TableFuzzTests, ModelFileFuzzTests): running a loader under a
// timeout, the rules every DataFormatException must keep, and generators of edits to text and bytes.

using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Sdk;

namespace Perceptron.Tests;

internal static class Fuzz
{
    /// <summary>Far more than any input here needs: a call that takes longer hangs.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="call"/> on the thread pool and waits at most <see cref="Timeout"/>. Gives its
    /// result, or the <see cref="DataFormatException"/> it threw once that is checked with <see cref="CheckError"/>;
    /// anything else (another exception, a hang) fails the test.
    /// </summary>
    public static (T? Result, DataFormatException? Error) Outcome<T>(string source, Func<T> call)
        where T : class
    {
        var task = Task.Run(call);
        try
        {
            if (!task.Wait(Timeout))
            {
                throw new XunitException($"no answer after {Timeout.TotalSeconds} s: the loader hangs");
            }
        }
        catch (AggregateException wrapped) when (wrapped.InnerExceptions.Count == 1)
        {
            var e = wrapped.InnerExceptions[0];
            if (e is DataFormatException error)
            {
                CheckError(source, error);
                return (null, error);
            }

            throw new XunitException($"threw {e.GetType().FullName} instead of a DataFormatException: {e}");
        }

        return (task.Result, null);
    }

    /// <summary>The message leads with the source and is one line; the parts agree with the message.</summary>
    public static void CheckError(string source, DataFormatException error)
    {
        var message = error.Message;
        if (!message.StartsWith(source + ":", StringComparison.Ordinal) || error.File != source)
        {
            throw new XunitException($"the message does not start with the source {Escape(source)}: {Escape(message)}");
        }

        if (message.IndexOfAny(['\n', '\r']) >= 0)
        {
            throw new XunitException($"the message is not one line: {Escape(message)}");
        }

        Assert.False(string.IsNullOrWhiteSpace(error.Reason), "the message has no reason");
        Assert.EndsWith(error.Reason, message, StringComparison.Ordinal);
        Assert.True(error.Line is null or >= 1, $"line {error.Line}");
        Assert.True(error.Column is null or >= 1, $"column {error.Column}");
    }

    /// <summary>Text as a C# literal would show it, cut short: what a failing case prints.</summary>
    public static string Escape(string text, int max = 600)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text.Length > max ? text[..max] : text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when c < ' ' || c > '~' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        builder.Append('"');
        return text.Length > max ? $"{builder}… ({text.Length} chars)" : builder.ToString();
    }

    /// <summary>Bytes in hex, cut short.</summary>
    public static string Hex(byte[] bytes, int max = 400) =>
        Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, max)) + (bytes.Length > max ? $"… ({bytes.Length} bytes)" : "");

    // ---- Edits -------------------------------------------------------------------------------

    /// <summary>A place in a text or byte array: a random number taken modulo the length.</summary>
    public static Gen<int> Position => Gen.Choose(0, 1 << 30);

    /// <summary>Applies <paramref name="edits"/> in turn.</summary>
    public static T ApplyAll<T>(T value, IEnumerable<Func<T, T>> edits) => edits.Aggregate(value, (current, edit) => edit(current));

    /// <summary>Up to <paramref name="max"/> edits, none a quarter of the time or so.</summary>
    public static Gen<Func<T, T>[]> Edits<T>(Gen<Func<T, T>> edit, int max) =>
        Gen.Frequency((1, Gen.Constant(Array.Empty<Func<T, T>>())), (3, SomeEdits(edit, max)));

    /// <summary>From one to <paramref name="max"/> edits.</summary>
    public static Gen<Func<T, T>[]> SomeEdits<T>(Gen<Func<T, T>> edit, int max) =>
        Gen.Choose(1, max).SelectMany(count => Gen.ArrayOf(edit, count));

    /// <summary>Deletes, duplicates or inserts a character or token, or cuts the text short.</summary>
    public static Gen<Func<string, string>> TextEdit(char[] characters, string[] tokens) => Gen.OneOf(
        Position.Select<int, Func<string, string>>(at => text => text.Length == 0 ? text : text.Remove(at % text.Length, 1)),
        Position.Select<int, Func<string, string>>(at => text => text.Length == 0 ? text : text.Insert(at % text.Length, text[at % text.Length].ToString())),
        Position.Zip(Gen.Elements(characters), (at, c) => (Func<string, string>)(text => text.Insert(at % (text.Length + 1), c.ToString()))),
        Position.Zip(Gen.Elements(tokens), (at, token) => (Func<string, string>)(text => text.Insert(at % (text.Length + 1), token))),
        Position.Select<int, Func<string, string>>(at => text => text[..(at % (text.Length + 1))]));

    /// <summary>Byte sequences that are not UTF-8, or that a decoder treats specially.</summary>
    public static readonly byte[][] OddBytes =
    [
        [0x00], [0xFF], [0xFE], [0x80], [0xC3], [0xE2, 0x82], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0xFF, 0xFE, 0x00, 0x00], [0x00, 0x00, 0xFE, 0xFF], [0x0A], [0x0D], [0x22], [0x2C],
    ];

    /// <summary>Deletes, replaces or inserts bytes (see <see cref="OddBytes"/>), or cuts the bytes short.</summary>
    public static Gen<Func<byte[], byte[]>> ByteEdit => Gen.OneOf(
        Position.Select<int, Func<byte[], byte[]>>(at => bytes => bytes.Length == 0 ? bytes : [.. bytes[..(at % bytes.Length)], .. bytes[(at % bytes.Length + 1)..]]),
        Position.Zip(Gen.Choose(0, 255), (at, b) => (Func<byte[], byte[]>)(bytes =>
        {
            if (bytes.Length == 0)
            {
                return bytes;
            }

            var copy = (byte[])bytes.Clone();
            copy[at % copy.Length] = (byte)b;
            return copy;
        })),
        Position.Zip(Gen.Elements(OddBytes), (at, odd) => (Func<byte[], byte[]>)(bytes =>
        {
            var i = at % (bytes.Length + 1);
            return [.. bytes[..i], .. odd, .. bytes[i..]];
        })),
        Gen.Elements(OddBytes).Select<byte[], Func<byte[], byte[]>>(odd => bytes => [.. odd, .. bytes]),
        Position.Select<int, Func<byte[], byte[]>>(at => bytes => bytes[..(at % (bytes.Length + 1))]));

    /// <summary>Random bytes: uniform, or mostly printable ASCII with some line breaks and odd bytes.</summary>
    public static Gen<byte[]> RandomBytes => Gen.OneOf(
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
        Gen.ArrayOf(Gen.Frequency(
            (8, Gen.Choose(0x20, 0x7E).Select(b => (byte)b)),
            (2, Gen.Elements((byte)'\n', (byte)'\r', (byte)',', (byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)':')),
            (1, Gen.Choose(0, 255).Select(b => (byte)b)))));
}
