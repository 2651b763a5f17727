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
}
