// The one exception type for a bad data file or model file: a user mistake, reported as a
// single line that editors and terminals recognise as a location (FILE:LINE:COLUMN: ...).

namespace Perceptron;

/// <summary>
/// A data (CSV) or model (JSON) file that cannot be used: missing, unreadable or malformed.
/// The message is one line, <c>FILE:LINE:COLUMN: what was found; what was expected</c>,
/// with the parts that are unknown left out.
/// </summary>
/// <remarks>
/// This is a user error, not a programming error: a console host prints <see cref="Exception.Message"/>
/// and exits with a non-zero code, without a stack trace. It is a <see cref="FormatException"/>: the
/// content is malformed. A file that is missing or cannot be read is an <see cref="IOException"/>
/// (<see cref="FileNotFoundException"/>, <see cref="DirectoryNotFoundException"/>) instead.
/// </remarks>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception with a generic message and no location.</summary>
    public DataFormatException()
        : this(null, null, null, "the data is not in the expected format")
    {
    }

    /// <summary>Creates the exception with a message and no location.</summary>
    /// <param name="message">What was found and what was expected.</param>
    public DataFormatException(string? message)
        : this(null, null, null, message ?? "the data is not in the expected format")
    {
    }

    /// <summary>Creates the exception with a message, no location, and the exception that caused it.</summary>
    /// <param name="message">What was found and what was expected.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public DataFormatException(string? message, Exception? innerException)
        : this(null, null, null, message ?? "the data is not in the expected format", innerException)
    {
    }

    /// <summary>Creates the exception for a problem at a known place in a file.</summary>
    /// <param name="file">The file name as the user gave it, or null when unknown.</param>
    /// <param name="line">The 1-based physical line (a CSV header is line 1), or null.</param>
    /// <param name="column">The 1-based column (a CSV field number, or a JSON byte in the line), or null.</param>
    /// <param name="reason">What was found and what was expected, e.g. <c>'abc' is not a number; expected a finite number</c>.</param>
    /// <param name="innerException">The underlying exception (an I/O or parser error), if any.</param>
    public DataFormatException(string? file, int? line, int? column, string reason, Exception? innerException = null)
        : base(Format(file, line, column, reason), innerException)
    {
        ArgumentNullException.ThrowIfNull(reason);
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file name as the user gave it, or null when unknown.</summary>
    public string? File { get; }

    /// <summary>The 1-based physical line of the problem (a CSV header is line 1), or null.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column of the problem, or null. In a CSV file it is the field number;
    /// in a JSON file, the byte position in the line.</summary>
    public int? Column { get; }

    /// <summary>The message without its location: what was found; what was expected.</summary>
    public string Reason { get; }

    private static string Format(string? file, int? line, int? column, string reason)
    {
        // A column means nothing without its line, so it is only shown with one.
        var location = (file, line, column) switch
        {
            (not null, not null, not null) => $"{file}:{line}:{column}",
            (not null, not null, null) => $"{file}:{line}",
            (not null, null, _) => file,
            // Without a file name "17:4:" would be cryptic: spell the numbers out.
            (null, not null, not null) => $"line {line}, column {column}",
            (null, not null, null) => $"line {line}",
            (null, null, _) => null,
        };
        return location is null ? reason : $"{location}: {reason}";
    }
}
