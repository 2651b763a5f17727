// Table: random and near-valid CSV text and bytes. Every call either gives a sound table or throws a
// DataFormatException with a one-line message that leads with the source; never another exception,
// never a hang. A table left unedited must come back exactly as generated.

using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using Xunit.Sdk;

namespace Perceptron.Tests;

public class TableFuzzTests
{
    private const string Source = "fuzz.csv";

    // ---- Properties ----------------------------------------------------------------------------

    [Property(MaxTest = 500)]
    public Property Near_valid_csv_text_gives_a_sound_table_or_a_DataFormatException() =>
        Prop.ForAll(Arb.From(NearValidCsv), csv =>
        {
            var (table, error) = Fuzz.Outcome(Source, () => Table.Read(new StringReader(csv.Text), Source, csv.LabelColumn, csv.Mode));
            Check(csv, table, error, Source);
        });

    [Property(MaxTest = 300)]
    public Property Random_text_gives_a_sound_table_or_a_DataFormatException() =>
        Prop.ForAll(Arb.From(RandomCsv), csv =>
        {
            var (table, error) = Fuzz.Outcome(Source, () => Table.Read(new StringReader(csv.Text), Source, csv.LabelColumn, csv.Mode));
            Check(csv, table, error, Source);
        });

    [Property(MaxTest = 300)]
    public Property Random_and_damaged_bytes_in_a_file_give_a_sound_table_or_a_DataFormatException() =>
        Prop.ForAll(Arb.From(CsvBytes), file =>
        {
            using var scratch = new ScratchDirectory();
            var path = scratch.Path(Source);
            File.WriteAllBytes(path, file.Bytes);
            var (table, error) = Fuzz.Outcome(path, () => Table.Load(path, file.Csv.LabelColumn, file.Csv.Mode));
            Check(file.Csv, table, error, path);
        });

    // ---- Found by fuzzing ------------------------------------------------------------------------

    private static Table Csv(string text, string? labelColumn = null) => Table.Read(new StringReader(text), Source, labelColumn);

    private static string Error(string text) => Assert.Throws<DataFormatException>(() => Csv(text)).Message;

    [Fact]
    public void A_header_of_32768_columns_loads_at_once()
    {
        // The line of each name was counted again from the first name: 32,768 names took 13 s.
        var text = string.Join(',', Enumerable.Range(1, 32_767).Select(i => $"f{i}").Append("label")) + "\n"
            + string.Join(',', Enumerable.Repeat("1", 32_767).Append("x")) + "\n";

        var (table, error) = Fuzz.Outcome(Source, () => Csv(text));

        Assert.Null(error);
        Assert.Equal(32_767, table!.FeatureNames.Count);
    }

    [Fact]
    public void A_row_of_a_million_commas_is_refused_at_once()
    {
        // Sylvan grows its table of a record's fields 32 at a time: a million fields would take it hours.
        var (_, error) = Fuzz.Outcome(Source, () => Csv("a,b,label\n" + new string(',', 1_000_000) + "\n"));

        Assert.Equal("fuzz.csv:2: the row has more than 32768 fields; expected at most 32768 columns (is this a CSV file?)", error?.Message);
    }

    [Fact]
    public void A_first_data_row_too_long_is_reported_at_its_line()
    {
        // Sylvan reads the first data row along with the header: its error was put on line 1.
        Assert.Equal(
            "fuzz.csv:2: the record is longer than 4194304 characters; expected a CSV row (is this a text file?)",
            Error("a,b,label\n1," + new string('1', (1 << 22) + 10) + ",x\n"));
    }

    // Sylvan guesses the line ending from the first line break it meets, quoted or not, and in the rows
    // it reads 32 characters at a time (long enough rows) it then misses the others.

    [Fact]
    public void A_lone_CR_in_a_file_of_LFs_ends_a_row()
    {
        var table = Csv("a,label\n1111111111,22222222222222222\r33333333333333,4444444444444444444\n5,6\n");

        Assert.Equal(["22222222222222222", "4444444444444444444", "6"], table.Labels!);
    }

    [Fact]
    public void A_file_of_CRs_may_have_an_LF_in_a_quoted_name()
    {
        var table = Csv("mean radius,\"two\nlines\",label\r-111,8e-21,yes\r-0,5e19,no\r58.86,661,maybe");

        Assert.Equal(["mean radius", "two\nlines"], table.FeatureNames);
        Assert.Equal(["yes", "no", "maybe"], table.Labels!);
    }

    [Fact]
    public void A_CR_in_a_quoted_name_leaves_the_LF_of_each_CRLF_out_of_the_labels()
    {
        var table = Csv("label,\"x\ry\"\r\nyes,1111111111111111\r\nno,2222222222222222\r\nyes,3333333333333333\r\n", "label");

        Assert.Equal(["yes", "no", "yes"], table.Labels!);
        Assert.Equal(["x\ny"], table.FeatureNames); // Every line break is read as LF, quoted ones too.
    }

    [Fact]
    public void A_line_that_starts_with_a_hash_is_data()
    {
        // Sylvan skipped such lines as comments: a header '#id' was lost, and so was a row.
        Assert.Equal(["#id"], Csv("#id,label\n1,x\n").FeatureNames);
        Assert.Equal(["#tag", "y"], Csv("label,a\n#tag,1\ny,2\n", "label").Labels!);
        Assert.Equal("fuzz.csv:3:1: '#2' is not a number; expected a finite number in column 'a'", Error("a,label\n1,x\n#2,y\n"));
    }

    // ---- Cases ---------------------------------------------------------------------------------

    /// <summary>What a table generated without edits must load as.</summary>
    public sealed record Expected(string[] FeatureNames, double[][] Rows, string? LabelName, string[]? Labels);

    /// <summary>CSV text and the label arguments to read it with; <see cref="Expected"/> only when it was not edited.</summary>
    public sealed record CsvCase(string Text, string? LabelColumn, LabelColumn Mode, Expected? Expected)
    {
        public override string ToString() =>
            $"{Mode} label {LabelColumn ?? "(last)"}{(Expected is null ? "" : " unedited")}: {Fuzz.Escape(Text)}";
    }

    /// <summary>The bytes of a file, and the case they were made from (its text is only a guide once bytes are edited).</summary>
    public sealed record BytesCase(byte[] Bytes, string Encoding, CsvCase Csv)
    {
        public override string ToString() => $"{Encoding}, {Csv.Mode} label {Csv.LabelColumn ?? "(last)"}: {Fuzz.Hex(Bytes)}";
    }

    private static void Check(CsvCase csv, Table? table, DataFormatException? error, string source)
    {
        if (table is null)
        {
            if (csv.Expected is not null)
            {
                throw new XunitException($"a valid file was refused: {error!.Message}");
            }

            return;
        }

        Assert.Equal(source, table.Source);
        var rows = table.Rows;
        var columns = table.FeatureNames.Count;
        Assert.True(rows >= 1, "a table without rows");
        Assert.True(columns >= 1, "a table without feature columns");
        Assert.Equal((rows, columns), (table.Features.GetLength(0), table.Features.GetLength(1)));
        foreach (var value in table.Features)
        {
            Assert.True(double.IsFinite(value), $"a feature value {value}");
        }

        Assert.All(table.FeatureNames, name => Assert.False(string.IsNullOrWhiteSpace(name), "an empty feature name"));
        Assert.Equal(columns, table.FeatureNames.Distinct(StringComparer.Ordinal).Count());
        switch (csv.Mode)
        {
            case LabelColumn.Required:
                Assert.NotNull(table.Labels);
                if (csv.LabelColumn is not null)
                {
                    Assert.Equal(csv.LabelColumn, table.LabelName);
                }

                break;
            case LabelColumn.Optional:
                Assert.True(!table.HasLabels || table.LabelName == csv.LabelColumn, $"label column {(table.HasLabels ? table.LabelName : null)}");
                break;
            case LabelColumn.None:
                Assert.False(table.HasLabels);
                break;
        }

        if (table.HasLabels)
        {
            var labels = table.Labels;
            Assert.DoesNotContain(table.LabelName, table.FeatureNames);
            Assert.Equal(rows, labels.Count);
            Assert.All(labels, label => Assert.False(string.IsNullOrWhiteSpace(label), "an empty label"));
        }

        if (csv.Expected is { } expected)
        {
            Assert.Equal(expected.FeatureNames, table.FeatureNames);
            Assert.Equal(expected.LabelName, table.HasLabels ? table.LabelName : null);
            Assert.Equal(expected.Labels, table.HasLabels ? table.Labels : null);
            Assert.Equal(expected.Rows.Length, rows);
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Rows[i][j]), BitConverter.DoubleToInt64Bits(table.Features[i, j]));
                }
            }
        }
    }

    // ---- Generators ------------------------------------------------------------------------------

    /// <summary>Column names as written in the file, all different once unquoted.</summary>
    private static readonly string[] Names =
        ["a", "b", "x_1", "mean radius", "\"c,d\"", "é", "label", "\"say \"\"hi\"\"\"", "Y", "z9", "\"two\nlines\"", "#id", "~"];

    private static readonly string[] LabelCells =
        ["yes", "no", "0", "1", "setosa", "a b", "\"c,d\"", "\"two\nlines\"", "\"\"\"q\"\"\"", " padded ", "#tag"];

    /// <summary>Cell contents that are not finite numbers, or odd ones that are.</summary>
    private static readonly string[] CellTokens =
    [
        "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "abc", "∞", "0x10", "1_000", " ", "\"\"", "true", "\"1\"\"2\"",
        "\"unterminated", "1;2", "\t", "\"a\nb\"", "\"a\r\nb\"", "1,5", "\uFEFF", "\0", "-", ".", "e5", "1e", "\"3\" ", "#1", "# 2",
    ];

    private static readonly char[] TextCharacters =
        [',', '"', '\n', '\r', ' ', '\t', ';', '\0', '\uFEFF', 'x', '.', '-', 'e', '1', '#', '\uD800', '\uDC00', '\uDFFF', '\u2028', '\u00A0', '\u0085'];

    private static readonly string[] TextTokens =
        ["NaN", "Infinity", "1e999", "abc", "\"\"", "\r\n", "\n\n", ",,", "\"x\"\"y\"", "\uFEFF", "\"", "\r", "label,"];

    private static string Unquote(string raw) =>
        raw.StartsWith('"') ? raw[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : raw;

    private static Gen<string> NumberCell => Gen.OneOf(
        Gen.Choose(-1000, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Choose(-100_000, 100_000).Select(i => (i / 100.0).ToString("R", CultureInfo.InvariantCulture)),
        Gen.Choose(1, 9).Zip(Gen.Choose(-30, 30), (mantissa, exponent) => $"{mantissa}e{exponent}"),
        Gen.Elements(" 7 ", "\"8.25\"", ".5", "5.", "+3", "-0", "1E+2", "0.30000000000000004", "\" -1.5e-3 \"", "1e308", "5e-324"));

    private static double NumberOf(string raw) => double.Parse(Unquote(raw), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// A valid table as rows of raw cells (the header first), with the arguments to read it and what it holds. The
    /// modes: Required with the last column, Required and Optional with a name, Optional without the column, None.
    /// </summary>
    private static Gen<(List<List<string>> Grid, string? LabelColumn, LabelColumn Mode, Expected Expected)> ValidTable =>
        from features in Gen.Choose(1, 4)
        from rows in Gen.Choose(1, 6)
        from names in Gen.Shuffle(Names)
        from labelAt in Gen.Choose(0, features)
        from mode in Gen.Choose(0, 4)
        from numbers in Gen.ArrayOf(NumberCell, rows * features)
        from labels in Gen.ArrayOf(Gen.Elements(LabelCells), rows)
        select Build(features, rows, names, mode == 0 ? features : labelAt, mode, numbers, labels);

    private static (List<List<string>>, string?, LabelColumn, Expected) Build(
        int features, int rows, string[] names, int labelAt, int mode, string[] numbers, string[] labels)
    {
        var hasLabel = mode <= 2;
        var featureNames = names.Take(features).ToArray();
        var labelName = names[features];
        var header = featureNames.ToList();
        var grid = new List<List<string>>();
        if (hasLabel)
        {
            header.Insert(labelAt, labelName);
        }

        grid.Add(header);
        for (var i = 0; i < rows; i++)
        {
            var row = numbers.Skip(i * features).Take(features).ToList();
            if (hasLabel)
            {
                row.Insert(labelAt, labels[i]);
            }

            grid.Add(row);
        }

        var expected = new Expected(
            featureNames.Select(Unquote).ToArray(),
            Enumerable.Range(0, rows).Select(i => numbers.Skip(i * features).Take(features).Select(NumberOf).ToArray()).ToArray(),
            hasLabel ? Unquote(labelName) : null,
            hasLabel ? labels.Select(Unquote).ToArray() : null);
        var (labelColumn, labelMode) = mode switch
        {
            0 => (null, LabelColumn.Required),
            1 => (Unquote(labelName), LabelColumn.Required),
            2 => (Unquote(labelName), LabelColumn.Optional),
            3 => ("absent", LabelColumn.Optional),
            _ => ((string?)null, LabelColumn.None),
        };
        return (grid, labelColumn, labelMode, expected);
    }

    /// <summary>An edit of the rows of cells: an empty or odd cell, a repeated name, no header, a ragged or very long row.</summary>
    /// <param name="huge">Whether a row may pass the 4M characters a record may have (rarely: such a row takes time).</param>
    private static Gen<Func<List<List<string>>, List<List<string>>>> GridEdit(bool huge)
    {
        var position = Fuzz.Position;
        // Long rows, some with more than the 32,768 fields a record may have.
        var length = Gen.Frequency(
            (12, Gen.Choose(100, 5000)),
            (3, Gen.Elements(1 << 16, 200_000)),
            (huge ? 1 : 0, Gen.Constant((1 << 22) + 1000)));
        return Gen.OneOf(
            position.Zip(position, (r, c) => Edit((grid, row) => row[c % row.Count] = "", r)),
            from r in position
            from c in position
            from token in Gen.Elements(CellTokens)
            select Edit((grid, row) => row[c % row.Count] = token, r),
            position.Zip(position, (i, j) => Edit((grid, row) => row[j % row.Count] = row[i % row.Count], 0)),
            Gen.Constant(Edit((grid, _) => grid.RemoveAt(0), 0)),
            position.Zip(Gen.Elements(CellTokens.Append("1").ToArray()), (r, token) => Edit((grid, row) => row.Add(token), r)),
            position.Select(r => Edit((grid, row) => row.RemoveAt(row.Count - 1), r)),
            position.Zip(Gen.Elements("", " ", "\t"), (r, blank) => Edit((grid, _) => grid.Insert(r % (grid.Count + 1), [blank]), 0)),
            from r in position
            from c in position
            from n in length
            from fill in Gen.Elements("1", "x", " ", "\"", "1,")
            select Edit((grid, row) => row[c % row.Count] = Repeat(fill, n), r));
    }

    /// <summary><paramref name="fill"/> repeated to <paramref name="length"/> characters.</summary>
    private static string Repeat(string fill, int length) =>
        string.Create(length, fill, static (chars, fill) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = fill[i % fill.Length];
            }
        });

    /// <summary>An edit of row <paramref name="r"/> (modulo the rows); nothing when there are no rows or the row is empty.</summary>
    private static Func<List<List<string>>, List<List<string>>> Edit(Action<List<List<string>>, List<string>> edit, int r) => grid =>
    {
        if (grid.Count > 0 && grid[r % grid.Count] is { Count: > 0 } row)
        {
            edit(grid, row);
        }

        return grid;
    };

    private static Gen<CsvCase> NearValidCsv => NearValid(huge: true);

    private static Gen<CsvCase> NearValid(bool huge) =>
        from table in ValidTable
        from gridEdits in Fuzz.Edits(GridEdit(huge), 3)
        from newline in Gen.Elements("\n", "\r\n", "\r")
        from trailing in Gen.Elements(true, false)
        from textEdits in Fuzz.Edits(Gen.Frequency((8, Fuzz.TextEdit(TextCharacters, TextTokens)), (1, Gen.Constant<Func<string, string>>(text => "\uFEFF" + text))), 3)
        let grid = Fuzz.ApplyAll(table.Grid.Select(row => row.ToList()).ToList(), gridEdits)
        let text = string.Join(newline, grid.Select(row => string.Join(',', row))) + (trailing ? newline : "")
        select new CsvCase(
            Fuzz.ApplyAll(text, textEdits),
            table.LabelColumn,
            table.Mode,
            gridEdits.Length == 0 && textEdits.Length == 0 ? table.Expected : null);

    private static Gen<(string? LabelColumn, LabelColumn Mode)> Arguments => Gen.Elements<(string?, LabelColumn)>(
        (null, LabelColumn.Required), ("label", LabelColumn.Required), ("label", LabelColumn.Optional), (null, LabelColumn.None), ("a", LabelColumn.Optional));

    private static Gen<CsvCase> RandomCsv =>
        from characters in Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Elements("0123456789.-e,,,\n\r\"   abcNaN;\tlabel".ToCharArray())),
            (1, Gen.Elements(TextCharacters)),
            (1, Gen.Choose(0, char.MaxValue).Select(c => (char)c))))
        from arguments in Arguments
        select new CsvCase(new string(characters), arguments.LabelColumn, arguments.Mode, null);

    private static readonly (string Name, Encoding Encoding)[] Encodings =
    [
        ("UTF-8", new UTF8Encoding(false)),
        ("UTF-8 with BOM", new UTF8Encoding(true)),
        ("UTF-16LE with BOM", new UnicodeEncoding(false, true)),
        ("UTF-16BE with BOM", new UnicodeEncoding(true, true)),
        ("UTF-32LE with BOM", new UTF32Encoding(false, true)),
    ];

    private static Gen<BytesCase> CsvBytes => Gen.Frequency(
        (1, from bytes in Fuzz.RandomBytes
            from arguments in Arguments
            select new BytesCase(bytes, "random", new CsvCase("", arguments.LabelColumn, arguments.Mode, null))),
        (3, from csv in NearValid(huge: false)
            from encoding in Gen.Elements(Encodings)
            from byteEdits in Fuzz.Edits(Fuzz.ByteEdit, 3)
            let bytes = Fuzz.ApplyAll<byte[]>([.. encoding.Encoding.GetPreamble(), .. encoding.Encoding.GetBytes(csv.Text)], byteEdits)
            select new BytesCase(bytes, encoding.Name, byteEdits.Length == 0 ? csv : csv with { Expected = null })));
}
