// Pieces of error messages. Every message must stay on one line and stay short, whatever the
// user's file holds (a 10,000-character cell, a name with a line break in it, 784 column names).

using System.Globalization;
using System.Text;

namespace Perceptron;

internal static class MessageText
{
    private const int MaxQuoted = 40;

    /// <summary>
    /// A value from a file in single quotes, shortened, with line breaks, other control characters and
    /// invisible format characters made visible (\n, \r, \t, else \uXXXX), so that one message stays one line.
    /// </summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxQuoted) + 4);
        builder.Append('\'');
        var length = Math.Min(text.Length, MaxQuoted);
        if (length < text.Length && length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            // Do not cut a surrogate pair in half.
            length--;
        }

        foreach (var c in text[..length])
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || IsInvisible(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        if (length < text.Length)
        {
            builder.Append('…');
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>Line and paragraph separators and format characters (e.g. bidirectional controls).</summary>
    private static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is
        System.Globalization.UnicodeCategory.LineSeparator
        or System.Globalization.UnicodeCategory.ParagraphSeparator
        or System.Globalization.UnicodeCategory.Format;

    /// <summary>Quoted items separated by commas; long lists keep their head and tail.</summary>
    public static string List(IReadOnlyList<string> items, int max = 8)
    {
        if (items.Count <= max)
        {
            return string.Join(", ", items.Select(item => Quote(item)));
        }

        var head = items.Take(max - 2).Select(item => Quote(item));
        var tail = items.Skip(items.Count - 2).Select(item => Quote(item));
        return $"{string.Join(", ", head)}, …, {string.Join(", ", tail)} ({items.Count} in all)";
    }

    /// <summary>"1 value", "3 values".</summary>
    public static string Count(int count, string singular, string plural) =>
        count == 1 ? $"1 {singular}" : $"{count.ToString(CultureInfo.InvariantCulture)} {plural}";

    /// <summary>A double as it would be written in a file.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The number of line breaks (LF, CRLF or a lone CR) in <paramref name="text"/>.</summary>
    public static int LineBreaks(ReadOnlySpan<char> text)
    {
        var count = text.Count('\n');
        // A CR not followed by LF is a line break of its own (old Mac files); CRLF counts once.
        if (text.Contains('\r'))
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n'))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
