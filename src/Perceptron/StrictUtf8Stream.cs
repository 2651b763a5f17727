// CSV files are UTF-8 (a byte order mark is allowed), or UTF-16 with its byte order mark: a byte that is not UTF-8 is refused with its line
// and column, as in model files, instead of becoming U+FFFD and silently merging labels such as
// Latin-1 "caf\xe9" and "caf\xe8".

using System.Buffers;
using System.Text;

namespace Perceptron;

/// <summary>A read-only stream that passes bytes through and throws at the first byte that is not valid UTF-8.</summary>
internal sealed class StrictUtf8Stream(Stream inner, string source) : Stream
{
    private readonly byte[] _pending = new byte[4];
    private int _pendingCount;
    private int _line = 1;
    private long _lineStart;
    private long _offset;
    private bool _utf16;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        if (_offset == 0 && _pendingCount == 0 && read >= 2 && buffer[..2] is [0xFF, 0xFE] or [0xFE, 0xFF])
        {
            // A UTF-16 byte order mark says the encoding explicitly; the reader decodes it.
            _utf16 = true;
        }

        if (!_utf16)
        {
            Check(buffer[..read], end: read == 0);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Check(ReadOnlySpan<byte> bytes, bool end)
    {
        // A sequence split between two reads is checked once its last byte has arrived.
        var text = bytes;
        byte[]? joined = null;
        if (_pendingCount > 0)
        {
            joined = new byte[_pendingCount + bytes.Length];
            _pending.AsSpan(0, _pendingCount).CopyTo(joined);
            bytes.CopyTo(joined.AsSpan(_pendingCount));
            text = joined;
            _pendingCount = 0;
        }

        var at = 0;
        while (at < text.Length)
        {
            var status = Rune.DecodeFromUtf8(text[at..], out _, out var length);
            if (status == OperationStatus.NeedMoreData && !end)
            {
                text[at..].CopyTo(_pending);
                _pendingCount = text.Length - at;
                _offset += at;
                return;
            }

            if (status != OperationStatus.Done)
            {
                Refuse(text[at], _offset + at);
            }

            if (text[at] == (byte)'\n')
            {
                _line++;
                _lineStart = _offset + at + 1;
            }

            at += length;
        }

        _offset += text.Length;
    }

    private void Refuse(byte value, long offset)
    {
        throw new DataFormatException(
            source, _line, (int)Math.Min(int.MaxValue, offset - _lineStart + 1),
            $"not valid UTF-8 (byte 0x{value:X2}); expected a CSV file in UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)");
    }
}
