// Table: CSV files that fuzzing found mishandled, each kept as an example.

using Xunit;

namespace Perceptron.Tests;

public class TableFuzzTests
{
    private const string Source = "fuzz.csv";

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
}
