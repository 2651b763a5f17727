// Table: loading CSV data sets, and the exact message for each kind of bad file.

using Xunit;

namespace Perceptron.Tests;

public class TableTests
{
    private static Table Csv(string text, string? labelColumn = null, LabelColumn mode = LabelColumn.Required) =>
        Table.Read(new StringReader(text), "data.csv", labelColumn, mode);

    private static string Error(string text, string? labelColumn = null, LabelColumn mode = LabelColumn.Required) =>
        Assert.Throws<DataFormatException>(() => Csv(text, labelColumn, mode)).Message;

    private static double[][] RowsOf(double[,] matrix) =>
        Enumerable.Range(0, matrix.GetLength(0))
            .Select(i => Enumerable.Range(0, matrix.GetLength(1)).Select(j => matrix[i, j]).ToArray())
            .ToArray();

    // ---- Good files ----------------------------------------------------------------------

    [Fact]
    public void The_last_column_is_the_label_by_default()
    {
        var table = Csv("a,b,label\n1,2.5,x\n-3,4e2,y\n");

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.Equal("label", table.LabelName);
        Assert.Equal(2, table.Rows);
        Assert.Equal([[1, 2.5], [-3, 400]], RowsOf(table.Features));
        Assert.Equal(["x", "y"], table.Labels!);
        Assert.Equal("data.csv", table.Source);
    }

    [Fact]
    public void A_named_label_column_may_be_in_the_middle()
    {
        var table = Csv("a,label,b\n1,x,2\n3,y,4\n", "label");

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.Equal([[1, 2], [3, 4]], RowsOf(table.Features));
        Assert.Equal(["x", "y"], table.Labels!);
    }

    [Fact]
    public void An_optional_label_column_is_read_when_present()
    {
        var table = Csv("a,label,b\n1,x,2\n", "label", LabelColumn.Optional);

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.Equal(["x"], table.Labels!);
    }

    [Fact]
    public void An_optional_label_column_that_is_absent_leaves_every_column_a_feature()
    {
        var table = Csv("a,b\n1,2\n", "label", LabelColumn.Optional);

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.False(table.HasLabels);
        Assert.Throws<InvalidOperationException>(() => table.LabelName);
        Assert.Throws<InvalidOperationException>(() => table.Labels);
        Assert.Equal([[1, 2]], RowsOf(table.Features));
    }

    [Fact]
    public void With_no_label_column_every_column_is_a_feature()
    {
        var table = Csv("a,b\n1,2\n", mode: LabelColumn.None);

        Assert.Equal(["a", "b"], table.FeatureNames);
        Assert.False(table.HasLabels);
        Assert.Throws<InvalidOperationException>(() => table.Labels);
    }

    [Fact]
    public void Numbers_are_read_in_the_invariant_culture_with_quotes_spaces_and_exponents()
    {
        var table = Csv("a,b,c,d,label\n\"1.5\", 2 ,1e-3,-0.25,x\n", mode: LabelColumn.Required);

        Assert.Equal([[1.5, 2, 0.001, -0.25]], RowsOf(table.Features));
    }

    [Fact]
    public void Blank_lines_and_any_line_ending_are_accepted()
    {
        var table = Csv("a,label\r\n1,x\r\n\r\n2,y\r\n\r\n");
        Assert.Equal([[1], [2]], RowsOf(table.Features));

        Assert.Equal([[1], [2]], RowsOf(Csv("a,label\r1,x\r2,y").Features));
    }

    [Fact]
    public void Labels_keep_their_text()
    {
        var table = Csv("a,label\n1,\"benign, probably\"\n2,Malignant\n");

        Assert.Equal(["benign, probably", "Malignant"], table.Labels!);
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_first_name()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("bom.csv");
        File.WriteAllText(path, "a,label\n1,x\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal(["a"], Table.Load(path).FeatureNames);
        Assert.Equal(["a"], Csv("\uFEFFa,label\n1,x\n").FeatureNames);
    }

    [Fact]
    public void The_embedded_breast_cancer_data_set_loads()
    {
        var table = Table.Load(RepositoryFiles.Path("data/breast-cancer.csv"));

        Assert.Equal(569, table.Rows);
        Assert.Equal(30, table.FeatureNames.Count);
        Assert.Equal((569, 30), (table.Features.GetLength(0), table.Features.GetLength(1)));
        Assert.Equal("mean_radius", table.FeatureNames[0]);
        Assert.Equal("malignant", table.LabelName);
        Assert.Equal(17.99, table.Features[0, 0]);
        Assert.Equal(["0", "1"], Table.Classes(table.Labels!));
        Assert.Equal(569, table.EncodeLabels(Table.Classes(table.Labels!)).Length);
    }

    [Fact]
    public void The_embedded_digits_data_set_loads_with_classes_in_numeric_order()
    {
        var table = Table.Load(RepositoryFiles.Path("data/digits.csv"));

        Assert.Equal(1797, table.Rows);
        Assert.Equal(64, table.FeatureNames.Count);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], Table.Classes(table.Labels!));
    }

    [Fact]
    public void Rows_spanning_many_chunks_are_kept_in_order()
    {
        // More rows than one chunk of the row buffer holds (65,536 doubles).
        var text = new System.Text.StringBuilder("a,b,label\n");
        for (var i = 0; i < 40_000; i++)
        {
            text.Append(i).Append(',').Append(-i).Append(",x\n");
        }

        var table = Csv(text.ToString());

        Assert.Equal(40_000, table.Rows);
        Assert.All(Enumerable.Range(0, 40_000), i => Assert.Equal((i, -i), ((int)table.Features[i, 0], (int)table.Features[i, 1])));
    }

    // ---- Classes and label encoding ------------------------------------------------------

    [Fact]
    public void Numeric_classes_sort_by_value()
    {
        Assert.Equal(["-1", "1", "2", "10"], Table.Classes(["10", "2", "1", "2", "-1"]));
        Assert.Equal(["1", "1.0", "2.5"], Table.Classes(["2.5", "1.0", "1"]));
    }

    [Fact]
    public void Other_classes_sort_ordinally()
    {
        Assert.Equal(["B", "a", "b"], Table.Classes(["b", "a", "B", "a"]));
        Assert.Equal(["1", "10", "x"], Table.Classes(["x", "10", "1"]));
        Assert.Empty(Table.Classes([]));
    }

    [Fact]
    public void Labels_encode_as_indices_into_the_classes()
    {
        Assert.Equal([1, 0, 1], Table.EncodeLabels(["b", "a", "b"], ["a", "b"]));
    }

    [Fact]
    public void An_unknown_label_is_reported_at_row_plus_two()
    {
        var error = Assert.Throws<DataFormatException>(() => Table.EncodeLabels(["0", "1", "2"], ["0", "1"]));

        Assert.Equal("line 4: label '2' is not one of the classes; expected one of '0', '1'", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void An_unknown_label_of_a_table_is_reported_at_its_file_line_and_column()
    {
        var table = Csv("a,label,b\n1,0,2\n\n3,2,4\n", "label");

        var error = Assert.Throws<DataFormatException>(() => table.EncodeLabels(["0", "1"]));

        Assert.Equal("data.csv:4:2: label '2' is not one of the classes; expected one of '0', '1'", error.Message);
        Assert.Equal(("data.csv", 4, 2), (error.File, error.Line, error.Column));
    }

    [Fact]
    public void Encoding_needs_distinct_classes_and_labels()
    {
        Assert.Throws<ArgumentException>(() => Table.EncodeLabels(["a"], ["a", "a"]));
        Assert.Throws<InvalidOperationException>(() => Csv("a,b\n1,2\n", mode: LabelColumn.None).EncodeLabels(["0", "1"]));
    }

    // ---- Checking the features a model expects -------------------------------------------

    [Fact]
    public void Features_that_match_the_model_pass()
    {
        Csv("a,b,label\n1,2,x\n").CheckFeatures(["a", "b"]);
    }

    [Fact]
    public void A_renamed_feature_is_named_by_its_column()
    {
        var table = Csv("a,label,x,c\n1,y,2,3\n", "label");

        var error = Assert.Throws<DataFormatException>(() => table.CheckFeatures(["a", "b", "c"]));

        Assert.Equal("data.csv:1:3: column 3 is 'x'; the model expects 'b'", error.Message);
    }

    [Fact]
    public void An_extra_feature_column_is_reported()
    {
        var error = Assert.Throws<DataFormatException>(() => Csv("a,b,c,label\n1,2,3,x\n").CheckFeatures(["a", "b"]));

        Assert.Equal("data.csv:1:3: column 3 is 'c'; the model expects only 2 feature columns", error.Message);
    }

    [Fact]
    public void A_missing_feature_column_is_reported()
    {
        var error = Assert.Throws<DataFormatException>(() => Csv("a,label\n1,x\n").CheckFeatures(["a", "b", "c"]));

        Assert.Equal("data.csv:1: the file has 1 feature column; the model expects 3, the first missing one is 'b'", error.Message);
    }

    [Fact]
    public void A_test_file_is_checked_against_the_training_data_and_says_so()
    {
        var error = Assert.Throws<DataFormatException>(
            () => Csv("a,c,label\n1,2,x\n").CheckFeatures(["a", "b"], "the training data"));

        Assert.Equal("data.csv:1:2: column 2 is 'c'; the training data expects 'b'", error.Message);
    }

    [Theory]
    [InlineData("a\u0007b", "'a\\u0007b'")]
    [InlineData("a\u001bb", "'a\\u001bb'")]
    [InlineData("a\u2028b", "'a\\u2028b'")]
    [InlineData("a\u202eb", "'a\\u202eb'")]
    [InlineData("a\nb\tc\r", "'a\\nb\\tc\\r'")]
    [InlineData("x\u00e9\U0001F600", "'x\u00e9\U0001F600'")]
    public void Quoted_values_show_control_and_invisible_characters(string value, string expected)
    {
        Assert.Equal(expected, MessageText.Quote(value));
    }

    [Fact]
    public void Shortened_quotes_do_not_cut_a_surrogate_pair()
    {
        // 39 letters, then an emoji (two UTF-16 units) across the 40-character cut.
        var quoted = MessageText.Quote(new string('a', 39) + "\U0001F600" + "tail");

        Assert.Equal("'" + new string('a', 39) + "…'", quoted);
    }

    // ---- Bad values ----------------------------------------------------------------------

    [Fact]
    public void A_word_where_a_number_belongs()
    {
        var error = Assert.Throws<DataFormatException>(() => Csv("a,mean_radius,label\n1,2,x\n3,abc,y\n"));

        Assert.Equal("data.csv:3:2: 'abc' is not a number; expected a finite number in column 'mean_radius'", error.Message);
        Assert.Equal(("data.csv", 3, 2), (error.File, error.Line, error.Column));
        Assert.Equal("'abc' is not a number; expected a finite number in column 'mean_radius'", error.Reason);
    }

    [Theory]
    [InlineData("NaN", "'NaN' is not a finite number")]
    [InlineData("Infinity", "'Infinity' is not a finite number")]
    [InlineData("-Infinity", "'-Infinity' is not a finite number")]
    [InlineData("inf", "'inf' is not a number")]
    [InlineData("1e999", "'1e999' is too large for a double")]
    [InlineData("-1e999", "'-1e999' is too large for a double")]
    [InlineData("1,5", "the row has 3 fields; expected 2, as in the header")]
    [InlineData("\"1,5\"", "'1,5' is not a number")]
    [InlineData("0x10", "'0x10' is not a number")]
    public void Non_finite_and_malformed_numbers_are_refused(string cell, string found)
    {
        var message = Error($"a,label\n{cell},x\n");

        var expected = found.StartsWith("the row", StringComparison.Ordinal)
            ? $"data.csv:2: {found}"
            : $"data.csv:2:1: {found}; expected a finite number in column 'a'";
        Assert.Equal(expected, message);
    }

    [Fact]
    public void An_empty_number_cell()
    {
        Assert.Equal("data.csv:2:2: empty cell; expected a finite number in column 'b'", Error("a,b,label\n1,,x\n"));
        Assert.Equal("data.csv:2:2: empty cell; expected a finite number in column 'b'", Error("a,b,label\n1,  ,x\n"));
    }

    [Fact]
    public void An_empty_label_cell()
    {
        Assert.Equal("data.csv:3:3: empty cell; expected a label in column 'label'", Error("a,b,label\n1,2,x\n1,2,\n"));
    }

    [Fact]
    public void A_long_value_is_shortened_in_the_message()
    {
        var message = Error($"a,label\n{new string('z', 100)},x\n");

        Assert.Equal($"data.csv:2:1: '{new string('z', 40)}…' is not a number; expected a finite number in column 'a'", message);
    }

    // ---- Bad rows ------------------------------------------------------------------------

    [Fact]
    public void A_row_with_too_few_fields()
    {
        Assert.Equal("data.csv:3: the row has 2 fields; expected 3, as in the header", Error("a,b,label\n1,2,x\n1,2\n"));
    }

    [Fact]
    public void A_row_with_too_many_fields()
    {
        Assert.Equal("data.csv:2: the row has 4 fields; expected 3, as in the header", Error("a,b,label\n1,2,x,9\n"));
    }

    [Fact]
    public void A_malformed_quoted_field()
    {
        Assert.Equal(
            "data.csv:3:2: malformed quoted field (A delimiter, newline or EOF was expected after a closing quote); "
            + "expected a field in double quotes, with \"\" for a quote inside it",
            Error("a,b,label\n1,2,x\n1,\"2\"x,y\n"));
    }

    [Fact]
    public void An_unterminated_quote_is_reported_where_it_starts()
    {
        Assert.Equal(
            "data.csv:3:3: malformed quoted field (A quoted field at the end of the input ends without a closing quote); "
            + "expected a field in double quotes, with \"\" for a quote inside it",
            Error("a,b,label\n1,2,x\n1,2,\"y\n3,4,z\n"));
    }

    // ---- Line numbers --------------------------------------------------------------------

    [Fact]
    public void Line_numbers_count_blank_lines_and_line_breaks_inside_quotes()
    {
        const string text =
            "a,b,label\n" +        // 1
            "1,2,\"two\n" +        // 2
            "lines\"\n" +          // 3
            "\n" +                 // 4
            "3,4,z\n" +            // 5
            "5,oops,w\n";          // 6

        Assert.Equal("data.csv:6:2: 'oops' is not a number; expected a finite number in column 'b'", Error(text));
    }

    [Fact]
    public void The_line_of_a_field_follows_a_multi_line_field_before_it_in_the_row()
    {
        const string text =
            "label,a\n" +          // 1
            "\"x\r\n" +            // 2
            "y\",bad\r\n";         // 3

        Assert.Equal("data.csv:3:2: 'bad' is not a number; expected a finite number in column 'a'", Error(text, "label"));
    }

    [Fact]
    public void Line_numbers_count_a_header_that_spans_lines()
    {
        const string text =
            "\"a\n" +              // 1
            "b\",label\n" +        // 2
            "1,x\n" +              // 3
            "zz,y\n";              // 4

        Assert.Equal("data.csv:4:1: 'zz' is not a number; expected a finite number in column 'a\\nb'", Error(text));
    }

    [Fact]
    public void Line_numbers_are_right_with_old_mac_line_endings()
    {
        Assert.Equal("data.csv:4: the row has 1 field; expected 2, as in the header", Error("a,label\r1,x\r\r5\r"));
    }

    [Fact]
    public void Line_numbers_are_right_for_a_file_on_disk()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("lines.csv");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("1,2,x\r\n", 999).Prepend("a,b,label\r\n")) + "1,?,x\r\n");

        var error = Assert.Throws<DataFormatException>(() => Table.Load(path));

        Assert.Equal($"{path}:1001:2: '?' is not a number; expected a finite number in column 'b'", error.Message);
    }

    // ---- Bad files and headers -----------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("\n\n  \n")]
    public void An_empty_file(string text)
    {
        Assert.Equal("data.csv: the file is empty; expected a header row and at least one data row", Error(text));
    }

    [Theory]
    [InlineData("a,label")]
    [InlineData("a,label\n")]
    [InlineData("a,label\r\n\r\n")]
    public void A_header_without_data_rows(string text)
    {
        Assert.Equal("data.csv: the file has a header row but no data rows; expected at least one data row", Error(text));
    }

    [Fact]
    public void A_blank_first_line()
    {
        Assert.Equal("data.csv:1: the first line is blank; expected a header row of column names", Error("\na,label\n1,x\n"));
    }

    [Fact]
    public void A_file_without_a_header_row()
    {
        Assert.Equal(
            "data.csv:1: the first row holds only numbers ('17.99', '10.38', '122.8', …); expected a header row of column names",
            Error("17.99,10.38,122.8,1\n20.57,17.77,132.9,1\n"));
        Assert.Equal(
            "data.csv:1: the first row holds only numbers ('1', '0'); expected a header row of column names",
            Error("1,0\n2,1\n"));
    }

    [Fact]
    public void Duplicate_column_names()
    {
        Assert.Equal(
            "data.csv:1:3: column name 'a' appears again (first in column 1); expected unique column names",
            Error("a,b,a,label\n1,2,3,x\n"));
    }

    [Theory]
    [InlineData("a,,label\n1,2,x\n", 2)]
    [InlineData("a, ,label\n1,2,x\n", 2)]
    [InlineData("a,b,\n1,2,x\n", 3)]
    public void An_empty_column_name(string text, int column)
    {
        Assert.Equal($"data.csv:1:{column}: empty column name; expected a name for every column", Error(text));
    }

    [Fact]
    public void A_file_separated_by_semicolons()
    {
        Assert.Equal(
            "data.csv:1: the header is a single column 'a;b;label'; expected columns separated by commas (this file seems to use ';')",
            Error("a;b;label\n1;2;x\n"));
        Assert.Equal(
            "data.csv:1: the header is a single column 'a\\tb\\tlabel'; expected columns separated by commas (this file seems to use tabs)",
            Error("a\tb\tlabel\n1\t2\tx\n"));
    }

    [Fact]
    public void A_file_with_only_a_label_column()
    {
        Assert.Equal(
            "data.csv:1: the only column is the label column 'label'; expected at least one feature column besides it",
            Error("label\nx\n"));
    }

    [Fact]
    public void A_missing_label_column_lists_the_columns()
    {
        Assert.Equal(
            "data.csv:1: no column named 'target'; expected the label column, one of 'a', 'b', 'label'",
            Error("a,b,label\n1,2,x\n", "target"));
    }

    [Fact]
    public void A_missing_label_column_suggests_a_near_name()
    {
        Assert.Equal(
            "data.csv:1: no column named 'label' (did you mean 'Label'?); expected the label column, one of 'a', 'Label'",
            Error("a,Label\n1,x\n", "label"));
    }

    [Fact]
    public void A_long_list_of_columns_is_shortened()
    {
        var message = Assert.Throws<DataFormatException>(
            () => Table.Load(RepositoryFiles.Path("data/breast-cancer.csv"), "diagnosis")).Message;

        Assert.EndsWith(
            "breast-cancer.csv:1: no column named 'diagnosis'; expected the label column, one of 'mean_radius', 'mean_texture', "
            + "'mean_perimeter', 'mean_area', 'mean_smoothness', 'mean_compactness', …, 'worst_fractal_dimension', 'malignant' (31 in all)",
            message);
    }

    // ---- Files that cannot be read -------------------------------------------------------

    [Fact]
    public void A_missing_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("nope.csv");

        var error = Assert.Throws<FileNotFoundException>(() => Table.Load(path));

        Assert.Equal($"{path}: no such file; expected a CSV file", error.Message);
        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void A_file_in_a_missing_directory()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("nowhere/data.csv");

        Assert.Equal($"{path}: no such directory; expected a CSV file", Assert.Throws<DirectoryNotFoundException>(() => Table.Load(path)).Message);
    }

    [Fact]
    public void A_directory_instead_of_a_file()
    {
        using var scratch = new ScratchDirectory();

        var error = Assert.Throws<IOException>(() => Table.Load(scratch.Directory));

        Assert.Equal($"{scratch.Directory}: is a directory; expected a CSV file", error.Message);
    }

    [Fact]
    public void An_empty_path()
    {
        var error = Assert.Throws<ArgumentException>(() => Table.Load(""));

        Assert.StartsWith("the file name is empty; expected the path of a CSV file", error.Message, StringComparison.Ordinal);
        Assert.Equal("path", error.ParamName);
    }

    [Fact]
    public void A_failing_reader_is_an_IO_exception_naming_the_source()
    {
        var error = Assert.Throws<IOException>(() => Table.Read(new FailingReader(), "pipe"));

        Assert.Equal("pipe: cannot be accessed (The disk is gone); expected a readable CSV file", error.Message);
        Assert.IsType<IOException>(error.InnerException);
    }

    // ---- Programming errors --------------------------------------------------------------

    [Fact]
    public void Label_arguments_that_do_not_fit_together_are_programming_errors()
    {
        Assert.Throws<ArgumentException>(() => Csv("a,b\n1,2\n", null, LabelColumn.Optional));
        Assert.Throws<ArgumentException>(() => Csv("a,b\n1,2\n", "b", LabelColumn.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => Csv("a,b\n1,2\n", null, (LabelColumn)7));
        Assert.Throws<ArgumentNullException>(() => Table.Load(null!));
    }

    private sealed class FailingReader : TextReader
    {
        public override int Read(char[] buffer, int index, int count) => throw new IOException("The disk is gone.");

        public override int Read(Span<char> buffer) => throw new IOException("The disk is gone.");

        public override int Peek() => throw new IOException("The disk is gone.");

        public override int Read() => throw new IOException("The disk is gone.");
    }
}
