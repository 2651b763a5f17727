// Streams a CSV file into a Table. Sylvan's CsvDataReader parses the text a record at a time, so
// the file is never held in memory as text: feature values go straight into fixed-size chunks of
// doubles and are copied once into the final matrix. Physical line numbers are counted from each
// record's raw text, so quoted fields that span lines and blank lines do not shift them. The text
// reaches Sylvan through a RecordFilter, which keeps it clear of Sylvan's weak spots.

using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sylvan.Data.Csv;

namespace Perceptron;

internal static class CsvTableReader
{
    // The longest record (in characters) Sylvan may grow its buffer to: far beyond any real data
    // row, small enough that a binary file read by mistake fails fast.
    private const int MaxRecordChars = 1 << 22;

    // Labels of a classification data set repeat; one string per distinct label saves an allocation
    // per row. Beyond this many distinct labels (an ID column chosen by mistake) stop remembering.
    private const int MaxInternedLabels = 4096;

    // The most fields a record may have. Sylvan grows its table of a record's fields 32 entries at a
    // time, so a record of n fields costs it time n squared: a line of a million commas (a damaged
    // or binary file) would take hours. This many take it well under a second.
    private const int MaxFields = 1 << 15;

    public static Table Read(TextReader reader, string source, string? labelColumn, LabelColumn mode)
    {
        try
        {
            return ReadCore(reader, source, labelColumn, mode);
        }
        catch (Exception e) when (UserFiles.IsFileError(e))
        {
            throw FileErrors.ForPath(source, e, "expected a readable CSV file");
        }
        catch (TooManyFieldsException e)
        {
            throw new DataFormatException(
                source, e.Line, null, $"the row has more than {MaxFields} fields; expected at most {MaxFields} columns (is this a CSV file?)", e);
        }
    }

    private static Table ReadCore(TextReader reader, string source, string? labelColumn, LabelColumn mode)
    {
        var options = new CsvDataReaderOptions
        {
            // Fixed: auto-detection guesses, and a guess is no basis for a clear message.
            Delimiter = ',',
            HasHeaders = true,
            OwnsReader = false,
            MaxBufferSize = MaxRecordChars,
            // Sylvan skips a line that starts with its comment character ('#' unless told otherwise), and
            // cannot be told to have none: it gets a CR, which never reaches it (RecordFilter makes every line break an LF).
            Comment = '\r',
        };

        var filter = new RecordFilter(reader);
        CsvDataReader csv;
        try
        {
            csv = CsvDataReader.Create(filter, options);
        }
        catch (CsvFormatException e)
        {
            // Sylvan reads the first data row here too: a row too long for its buffer may be that one.
            throw Malformed(source, e is CsvRecordTooLargeException ? filter.RecordLine : 1, e);
        }

        using (csv)
        {
            var names = new string[csv.FieldCount];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = csv.GetName(i);
            }

            // A BOM survives when the caller's reader did not strip it; it is no part of a name.
            names[0] = names[0].TrimStart('\uFEFF');

            CheckHeader(csv, source, names);
            var labelIndex = FindLabel(source, names, labelColumn, mode);
            var featureIndices = Enumerable.Range(0, names.Length).Where(i => i != labelIndex).ToArray();
            if (featureIndices.Length == 0)
            {
                throw new DataFormatException(
                    source, 1, null,
                    $"the only column is the label column {MessageText.Quote(names[0])}; expected at least one feature column besides it");
            }

            // The header ends its own line(s): line breaks inside quoted names count too.
            var firstDataLine = 2 + names.Sum(name => MessageText.LineBreaks(name));
            return ReadRows(csv, source, names, featureIndices, labelIndex, firstDataLine);
        }
    }

    private static void CheckHeader(CsvDataReader csv, string source, string[] names)
    {
        if (names.Length == 1 && string.IsNullOrWhiteSpace(names[0]))
        {
            // Sylvan takes the first line as the header even when it is blank.
            while (ReadRecord(csv, source, 2))
            {
                if (!csv.GetRawRecordSpan().IsWhiteSpace())
                {
                    throw new DataFormatException(source, 1, null, "the first line is blank; expected a header row of column names");
                }
            }

            throw new DataFormatException(source, null, null, "the file is empty; expected a header row and at least one data row");
        }

        if (names.All(IsNumber))
        {
            var shown = string.Join(", ", names.Take(3).Select(name => MessageText.Quote(name))) + (names.Length > 3 ? ", …" : "");
            throw new DataFormatException(
                source, 1, null, $"the first row holds only numbers ({shown}); expected a header row of column names");
        }

        if (names.Length == 1 && names[0].IndexOfAny([';', '\t']) is var at and >= 0)
        {
            var separator = names[0][at] == '\t' ? "tabs" : "';'";
            throw new DataFormatException(
                source, 1, null,
                $"the header is a single column {MessageText.Quote(names[0])}; expected columns separated by commas (this file seems to use {separator})");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        // The line of each name follows the line breaks of the names before it; counted as it goes, as a header may be wide.
        var line = 1;
        for (var i = 0; i < names.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                throw new DataFormatException(source, line, i + 1, "empty column name; expected a name for every column");
            }

            if (!seen.TryAdd(names[i], i))
            {
                throw new DataFormatException(
                    source, line, i + 1,
                    $"column name {MessageText.Quote(names[i])} appears again (first in column {seen[names[i]] + 1}); expected unique column names");
            }

            line += MessageText.LineBreaks(names[i]);
        }
    }

    private static int FindLabel(string source, string[] names, string? labelColumn, LabelColumn mode)
    {
        if (mode == LabelColumn.None)
        {
            return -1;
        }

        if (labelColumn is null)
        {
            // Only Required comes here without a name (Table checks the arguments): the last column.
            return names.Length - 1;
        }

        var index = Array.IndexOf(names, labelColumn);
        if (index >= 0 || mode == LabelColumn.Optional)
        {
            return index;
        }

        var nearly = names.FirstOrDefault(name => string.Equals(name.Trim(), labelColumn.Trim(), StringComparison.OrdinalIgnoreCase));
        var hint = nearly is null ? "" : $" (did you mean {MessageText.Quote(nearly)}?)";
        throw new DataFormatException(
            source, 1, null,
            $"no column named {MessageText.Quote(labelColumn)}{hint}; expected the label column, one of {MessageText.List(names)}");
    }

    private static Table ReadRows(CsvDataReader csv, string source, string[] names, int[] featureIndices, int labelIndex, int firstDataLine)
    {
        var values = new RowBuffer(featureIndices.Length);
        var labels = labelIndex >= 0 ? new List<string>() : null;
        var interned = new Dictionary<string, string>(StringComparer.Ordinal);
        var internedLookup = interned.GetAlternateLookup<ReadOnlySpan<char>>();
        var rowLines = new List<int>();
        var nextLine = firstDataLine;

        while (ReadRecord(csv, source, nextLine))
        {
            // The raw record includes its line ending (and any line breaks inside quotes).
            var raw = csv.GetRawRecordSpan();
            var line = nextLine;
            nextLine += MessageText.LineBreaks(raw);
            if (raw.IsWhiteSpace())
            {
                continue; // Blank lines (often at the end of a file) hold no sample.
            }

            if (csv.RowFieldCount != names.Length)
            {
                throw new DataFormatException(
                    source, line, null,
                    $"the row has {MessageText.Count(csv.RowFieldCount, "field", "fields")}; expected {names.Length}, as in the header");
            }

            if ((long)(values.Rows + 1) * featureIndices.Length > Array.MaxLength)
            {
                throw new DataFormatException(
                    source, line, null,
                    $"the data has more than {Array.MaxLength} values; expected at most that many (the size of one .NET array)");
            }

            var row = values.AddRow();
            for (var k = 0; k < featureIndices.Length; k++)
            {
                row[k] = ParseNumber(csv, source, line, featureIndices[k], names);
            }

            if (labels is not null)
            {
                var text = csv.GetFieldSpan(labelIndex);
                if (text.IsWhiteSpace())
                {
                    throw new DataFormatException(
                        source, FieldLine(csv, line, labelIndex), labelIndex + 1,
                        $"empty cell; expected a label in column {MessageText.Quote(names[labelIndex])}");
                }

                if (!internedLookup.TryGetValue(text, out var label))
                {
                    label = text.ToString();
                    if (interned.Count < MaxInternedLabels)
                    {
                        interned.Add(label, label);
                    }
                }

                labels.Add(label);
            }

            rowLines.Add(line);
        }

        if (values.Rows == 0)
        {
            throw new DataFormatException(source, null, null, "the file has a header row but no data rows; expected at least one data row");
        }

        var featureNames = featureIndices.Select(i => names[i]).ToArray();
        var featureColumns = featureIndices.Select(i => i + 1).ToArray();
        return new Table(
            source,
            featureNames,
            featureColumns,
            labelIndex >= 0 ? names[labelIndex] : null,
            labelIndex >= 0 ? labelIndex + 1 : null,
            values.ToMatrix(),
            labels?.AsReadOnly(),
            rowLines.ToArray());
    }

    private static double ParseNumber(CsvDataReader csv, string source, int line, int index, string[] names)
    {
        var text = csv.GetFieldSpan(index);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        // The rare path: work out what is wrong, and where.
        var expected = $"expected a finite number in column {MessageText.Quote(names[index])}";
        var found = text.IsWhiteSpace() ? "empty cell"
            : !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? $"{MessageText.Quote(text)} is not a number"
            // double.TryParse turns an overflow such as 1e999 into infinity; "Infinity" and "NaN" have no digits.
            : text.IndexOfAnyInRange('0', '9') >= 0 && double.IsInfinity(value) ? $"{MessageText.Quote(text)} is too large for a double"
            : $"{MessageText.Quote(text)} is not a finite number";
        throw new DataFormatException(source, FieldLine(csv, line, index), index + 1, $"{found}; {expected}");
    }

    /// <summary>The physical line of field <paramref name="index"/>: later than the record's first
    /// line when an earlier field is quoted and spans lines.</summary>
    private static int FieldLine(CsvDataReader csv, int recordLine, int index)
    {
        var line = recordLine;
        for (var i = 0; i < index; i++)
        {
            line += MessageText.LineBreaks(csv.GetFieldSpan(i));
        }

        return line;
    }

    private static bool ReadRecord(CsvDataReader csv, string source, int line)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException e)
        {
            throw Malformed(source, line, e);
        }
    }

    private static DataFormatException Malformed(string source, int line, CsvFormatException e) => e switch
    {
        CsvMissingHeadersException =>
            new DataFormatException(source, null, null, "the file is empty; expected a header row and at least one data row", e),
        CsvRecordTooLargeException =>
            new DataFormatException(source, line, null, $"the record is longer than {MaxRecordChars} characters; expected a CSV row (is this a text file?)", e),
        _ =>
            new DataFormatException(
                source, line, e.FieldOrdinal + 1,
                $"malformed quoted field ({e.Message.TrimEnd('.')}); expected a field in double quotes, with \"\" for a quote inside it", e),
    };

    /// <summary>
    /// The text on its way to Sylvan. Every line break (CRLF, CR or LF) becomes one LF: Sylvan guesses the
    /// line ending from the first line break it meets, quoted or not, and then misses the others (a lone
    /// CR in a file of LFs, an LF after a quoted CR in a file of CRLFs). The fields of each record are
    /// counted as Sylvan will split them, and a record with more than <see cref="MaxFields"/> is stopped
    /// before Sylvan has parsed much more of it (Sylvan reads ahead, so this may come before a problem in
    /// an earlier record is found).
    /// </summary>
    private sealed class RecordFilter(TextReader text) : TextReader
    {
        private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");

        private State _state;
        private bool _afterCr;
        private int _fields = 1;
        private int _line = 1;
        private int _recordLine = 1;

        private enum State : byte
        {
            FieldStart,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }

        /// <summary>The line where the record being passed on started: the one Sylvan is reading when its buffer is full.</summary>
        public int RecordLine => _recordLine;

        public override int Read()
        {
            Span<char> one = stackalloc char[1];
            return Read(one) == 0 ? -1 : one[0];
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var read = text.Read(buffer);
                if (read == 0)
                {
                    break;
                }

                var kept = Filter(buffer[..read]);
                if (kept > 0)
                {
                    return kept;
                }

                // Only the LF of a CRLF was read: zero would mean the end of the text.
            }

            return 0;
        }

        public override Task<int> ReadAsync(char[] buffer, int index, int count) => Task.FromResult(Read(buffer, index, count));

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        /// <summary>Filters <paramref name="chars"/> in place; returns how many characters it keeps at the front.</summary>
        private int Filter(Span<char> chars)
        {
            var kept = 0;
            var quoteAt = -1; // The next quote at or after i, or chars.Length; -1 until searched.
            var breakAt = -1;
            var i = 0;
            while (i < chars.Length)
            {
                // A run up to the next quote or line break moves as a block, its commas counted at once.
                if (quoteAt < i)
                {
                    quoteAt = chars[i..].IndexOf('"') is var q and >= 0 ? i + q : chars.Length;
                }

                if (breakAt < i)
                {
                    breakAt = chars[i..].IndexOfAny(LineBreaks) is var b and >= 0 ? i + b : chars.Length;
                }

                var stop = Math.Min(quoteAt, breakAt);
                if (stop > i)
                {
                    var run = chars[i..stop];
                    if (_state != State.Quoted)
                    {
                        _fields += run.Count(',');
                        if (_fields > MaxFields)
                        {
                            throw new TooManyFieldsException(_recordLine);
                        }

                        _state = run[^1] == ',' ? State.FieldStart : State.Unquoted;
                    }

                    if (kept < i)
                    {
                        run.CopyTo(chars[kept..]); // Behind by the LFs of CRLFs left out.
                    }

                    kept += run.Length;
                    _afterCr = false;
                    i = stop;
                    continue;
                }

                var c = chars[i++];
                if (c == '"')
                {
                    _state = _state switch
                    {
                        State.Quoted => State.QuoteInQuoted, // A closing quote, or the first of two.
                        State.FieldStart or State.QuoteInQuoted => State.Quoted, // An opening quote, or the second of two.
                        _ => State.Unquoted, // Sylvan keeps a quote inside an unquoted field as it is.
                    };
                    chars[kept++] = c;
                    _afterCr = false;
                    continue;
                }

                if (c == '\n' && _afterCr)
                {
                    _afterCr = false; // The LF of a CRLF: the CR was the line break.
                    continue;
                }

                _afterCr = c == '\r';
                chars[kept++] = '\n';
                _line++;
                if (_state != State.Quoted)
                {
                    _state = State.FieldStart;
                    _fields = 1;
                    _recordLine = _line;
                }
            }

            return kept;
        }
    }

    /// <summary>A record with more than <see cref="MaxFields"/> fields, starting at <paramref name="line"/>.</summary>
    private sealed class TooManyFieldsException(int line) : Exception
    {
        public int Line { get; } = line;
    }

    private static bool IsNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Rows of doubles in chunks of fixed size, so that growing never copies what was read.</summary>
    private sealed class RowBuffer(int width)
    {
        private const int ChunkDoubles = 1 << 16;

        private readonly int _rowsPerChunk = Math.Max(1, ChunkDoubles / width);
        private readonly List<double[]> _chunks = [];
        private int _rowsInLastChunk;

        public int Rows { get; private set; }

        public Span<double> AddRow()
        {
            if (_chunks.Count == 0 || _rowsInLastChunk == _rowsPerChunk)
            {
                _chunks.Add(new double[_rowsPerChunk * width]);
                _rowsInLastChunk = 0;
            }

            var row = _chunks[^1].AsSpan(_rowsInLastChunk * width, width);
            _rowsInLastChunk++;
            Rows++;
            return row;
        }

        public double[,] ToMatrix()
        {
            var matrix = new double[Rows, width];
            // A double[,] is one row-major block: view it as a span and copy the chunks in order.
            var target = MemoryMarshal.CreateSpan(
                ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(matrix)), matrix.Length);
            var remaining = Rows * width;
            for (var i = 0; i < _chunks.Count; i++)
            {
                var count = Math.Min(remaining, _chunks[i].Length);
                _chunks[i].AsSpan(0, count).CopyTo(target);
                target = target[count..];
                remaining -= count;
                _chunks[i] = []; // Let the collector take the chunk while the rest is copied.
            }

            return matrix;
        }
    }
}
