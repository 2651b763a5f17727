// Table: CSV files that fuzzing found mishandled, each kept as an example.

using Xunit;

namespace Perceptron.Tests;

public class TableFuzzTests
{
    private const string Source = "fuzz.csv";

    // ---- Found by fuzzing ------------------------------------------------------------------------

    private static Table Csv(string text, string? labelColumn = null) => Table.Read(new StringReader(text), Source, labelColumn);

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
}
