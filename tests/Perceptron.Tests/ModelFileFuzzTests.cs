// ModelFile: model files that fuzzing found mishandled, each kept as an example.

using System.Text;
using Xunit;

namespace Perceptron.Tests;

public class ModelFileFuzzTests
{
    private const string Source = "fuzz.json";

    // ---- Found by fuzzing ------------------------------------------------------------------------

    /// <summary>A small valid model file.</summary>
    private const string Valid =
        "{\"format\": \"perceptron-model\", \"version\": 1, \"features\": [\"a\"], \"label\": \"y\", \"classes\": [\"0\", \"1\"],\n"
        + " \"layers\": [{\"activation\": \"sigmoid\", \"weights\": [[0.5]], \"bias\": [0]}], \"training\": {\"note\": \"first\"}}";

    private static string Error(byte[] bytes) =>
        Assert.Throws<DataFormatException>(() => ModelFile.Read(new MemoryStream(bytes), Source)).Message;

    private static string Error(string json) => Error(Encoding.UTF8.GetBytes(json));

    /// <summary>The message for <see cref="Valid"/> with <paramref name="from"/> (which occurs once) replaced.</summary>
    private static string Error(string from, string to)
    {
        Assert.Equal(2, Valid.Split(from).Length);
        return Error(Valid.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void The_valid_model_here_is_valid()
    {
        Assert.Equal(["a"], ModelFile.Read(new MemoryStream(Encoding.UTF8.GetBytes(Valid)), Source).Features);
    }

    [Fact]
    public void A_misspelt_literal_is_quoted_short_and_on_one_line()
    {
        // System.Text.Json quotes the whole rest of the file after a misspelt literal, line breaks and all.
        Assert.Equal(
            "fuzz.json:1:15: not valid JSON ('nul, \"version\": 1, \"features\": [\"a\"], \"l…' is an invalid JSON literal. "
            + "Expected the literal 'null'); expected a perceptron model file",
            Error("\"perceptron-model\"", "nul"));
    }

    [Fact]
    public void A_byte_that_is_not_UTF8_in_a_string_is_reported_at_its_place()
    {
        // System.Text.Json checks UTF-8 only outside strings: reading the string threw InvalidOperationException.
        var bytes = Encoding.UTF8.GetBytes(Valid.Replace("\"first\"", "\"fi?st\"", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;

        Assert.Equal("fuzz.json:2:98: not valid UTF-8 (byte 0xFF); expected a perceptron model file, JSON in UTF-8", Error(bytes));
    }

    [Theory]
    // System.Text.Json decodes a \\u escape for half a surrogate pair only to throw InvalidOperationException.
    [InlineData("\"label\": \"y\"", "\"label\": \"y\\ud800\"", "label is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"1\"]", "\"\\udc00\"]", "classes[1] is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"first\"", "\"\\ud800\\u0041\"", "training.note is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData("\"note\"", "\"\\udc00\"", "training has a property name with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected text")]
    [InlineData(
        "\"perceptron-model\"", "\"perceptron-\\ud800\"",
        "format is a string with an unpaired surrogate escape (\\uD800-\\uDFFF not in a pair); expected 'perceptron-model'")]
    public void An_unpaired_surrogate_escape_is_a_DataFormatException(string from, string to, string reason)
    {
        Assert.Equal($"fuzz.json: {reason}", Error(from, to));
    }

    [Theory]
    // A property name in a message was shown as it is, line breaks and all.
    [InlineData("\"version\": 1,", "\"version\": 1, \"a\\nb\": 1,",
        "'a\\nb' is not a property of the format; expected only 'format', 'version', 'features', 'label', 'classes', 'standardization', 'layers', 'training'")]
    [InlineData("\"note\"", "\"a\\r\\nb\": [], \"note\"", "training.'a\\r\\nb' is an array; expected a string, a number or a boolean")]
    [InlineData("\"note\"", "\"\\n\": 1e999, \"note\"", "training.'\\n' is 1e999; expected a finite number (it does not fit a double)")]
    [InlineData("\"bias\"", "\"x\\ny\": 1, \"x\\ny\": 2, \"bias\"", "layers[0].'x\\ny' appears twice; expected each property once")]
    public void A_property_name_with_a_line_break_is_quoted(string from, string to, string reason)
    {
        Assert.Equal($"fuzz.json: {reason}", Error(from, to));
    }
}
