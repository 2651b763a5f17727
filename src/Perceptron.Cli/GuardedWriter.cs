using System.Text;

namespace Perceptron.Cli;

/// <summary>
/// The host's stdout: a write that fails (a full disk, `> /dev/full`, a closed pipe) becomes one line naming the output,
/// exit code 2, instead of an unhandled IOException. Every command writes through it, --version and --help included.
/// </summary>
internal sealed class GuardedWriter(TextWriter inner, string name) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null; the inner writer decides.
        get => inner.NewLine;
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => Guard(() => inner.Write(value));

    public override void Write(string? value) => Guard(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    public override void WriteLine() => Guard(inner.WriteLine);

    public override void Flush() => Guard(inner.Flush);

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new UsageException($"cannot write to {name} ({e.Message.TrimEnd('.')})");
        }
        catch (UnauthorizedAccessException)
        {
            // What the runtime reports for a closed descriptor (`perceptron ... >&-`).
            throw new UsageException($"cannot write to {name} (it is closed or not writable)");
        }
    }
}
