// CSV files are UTF-8: an invalid byte is refused with file:line:column (the column counts bytes, as
// in model files) instead of being replaced with U+FFFD, which merged labels such as caf\xe9 and caf\xe8.
using System.Text;
using Xunit;

namespace Perceptron.Tests;

public class CsvEncodingTests
{
    [Fact]
    public void Latin1_labels_are_refused_at_their_line_and_column()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("latin1.csv");
        File.WriteAllBytes(path, [.. "a,y\n1,caf"u8, 0xE9, .. "\n2,caf"u8, 0xE8, .. "\n"u8]);

        var e = Assert.Throws<DataFormatException>(() => Table.Load(path));

        Assert.Equal($"{path}:2:6: not valid UTF-8 (byte 0xE9); expected a CSV file in UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)", e.Message);
    }

    [Fact]
    public void A_sequence_cut_off_at_the_end_of_the_file_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path("cut.csv");
        File.WriteAllBytes(path, [.. "a,y\n1,x\n2,"u8, 0xE2, 0x82]);

        var e = Assert.Throws<DataFormatException>(() => Table.Load(path));

        Assert.StartsWith($"{path}:3:3: not valid UTF-8 (byte 0xE2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_UTF8_passes_byte_for_byte_whatever_the_reads_cut_it_into()
    {
        var text = "a,label\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i},caf\u00e9\u20ac\U0001F600{i % 3}\n"));
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        foreach (var chunk in new[] { 1, 2, 3, 5, 4096 })
        {
            using var stream = new StrictUtf8Stream(new ChunkedStream(bytes, chunk), "chunked.csv");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(bytes, copy.ToArray());
        }
    }

    /// <summary>Returns at most <paramref name="chunk"/> bytes per read, to cut sequences at every place.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(chunk, buffer.Length)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(chunk, count));
    }
}
