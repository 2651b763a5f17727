using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;
using System.Text;

namespace Perceptron.Cli;

/// <summary>Exit codes of the console host.</summary>
internal static class ExitCode
{
    public const int Success = 0;

    /// <summary>Training diverged, or a gradient check failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: a usage error, a missing or malformed file, a bad option value.</summary>
    public const int BadInput = 2;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

/// <summary>A user mistake found by the host itself; reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Builds the command tree and runs it, turning user mistakes into one-line errors.</summary>
internal static class App
{
    public static string Version =>
        typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // Every write to stdout goes through one guard: a full disk or a closed pipe is one line, exit 2.
        output = new GuardedWriter(output, "standard output");
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl+C asks training to stop at the next epoch; a second one ends the process.
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var root = BuildRoot(output, error, cancellation.Token);
            // Response files are off: `--data @d.csv` names a file called @d.csv, as a shell user expects.
            var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (MissingValue(parsed) is string missing)
            {
                error.WriteLine($"error: {missing} (see '{CommandName(root, parsed)} --help')");
                return ExitCode.BadInput;
            }

            if (parsed.Errors.Count > 0)
            {
                error.WriteLine($"error: {Errors.OneLine(FirstError(parsed).Message)} (see '{CommandName(root, parsed)} --help')");
                return ExitCode.BadInput;
            }

            var code = parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
            output.Flush();
            return code;
        }
        catch (Exception e) when (Errors.IsUserError(e))
        {
            TryWriteLine(error, $"error: {Errors.Describe(e)}");
            return ExitCode.BadInput;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>A line on stderr; if stderr itself is gone there is nowhere left to report to, and the exit code still says it.</summary>
    private static void TryWriteLine(TextWriter error, string line)
    {
        try
        {
            error.WriteLine(line);
        }
        catch (IOException)
        {
            // stderr is closed or full: the exit code is the only report left.
        }
    }

    private static string CommandName(RootCommand root, ParseResult parsed) =>
        parsed.CommandResult.Command.Name == root.Name ? "perceptron" : $"perceptron {parsed.CommandResult.Command.Name}";

    /// <summary>
    /// An option whose value is another option of the command (`--label --epochs 5`): the user left the value out.
    /// The parser would take `--epochs` as the label and then blame the stray `5`.
    /// </summary>
    private static string? MissingValue(ParseResult parsed)
    {
        var names = parsed.CommandResult.Command.Options
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Concat(["--help", "-h", "-?"])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var option in parsed.CommandResult.Children.OfType<OptionResult>())
        {
            var value = option.Tokens.FirstOrDefault(t => names.Contains(t.Value.Split('=')[0]));
            if (value is not null && option.IdentifierToken is { } given)
            {
                return $"{given.Value} needs a value, but is followed by the option '{value.Value}'; "
                    + $"give the value after {given.Value}";
            }
        }

        return null;
    }

    /// <summary>
    /// The error to report: one about a token the parser did not recognise comes first, since
    /// `perceptron frobnicate` is a typo of a command, not a missing one.
    /// </summary>
    private static ParseError FirstError(ParseResult parsed) =>
        parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal)))
        ?? parsed.Errors[0];

    private static RootCommand BuildRoot(TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        var root = new RootCommand(
            "Perceptron: logistic regression and neural networks from first principles.\n"
            + "Train on the embedded breast-cancer data with `perceptron train`.");
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new VersionAction();
        }

        root.Subcommands.Add(TrainCommand.Build(output, error, cancellation));
        root.Subcommands.Add(PredictCommand.Build(output));
        root.Subcommands.Add(EvaluateCommand.Build(output));
        root.Subcommands.Add(GradCheckCommand.Build(output));
        root.Subcommands.Add(ExportCommand.Build(output));
        root.Subcommands.Add(ImportanceCommand.Build(output));
        return root;
    }

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(
                $"perceptron {Version} (kernels: {Kernels.Summary()})");
            return ExitCode.Success;
        }
    }
}

/// <summary>Which exceptions are the user's mistakes, and how to say them in one line.</summary>
internal static class Errors
{
    /// <summary>
    /// The user's input or output stopped the run: bad data or options, a missing, unreadable or unwritable file
    /// (the facade's file errors are IOException types, malformed content a FormatException), or memory the
    /// machine cannot give.
    /// </summary>
    public static bool IsUserError(Exception e) =>
        e is DataFormatException or UsageException or ArgumentException or FormatException or IOException
            or UnauthorizedAccessException or OutOfMemoryException or OverflowException;

    public static string Describe(Exception e) => OneLine(e switch
    {
        // An ArgumentException's message ends with " (Parameter 'x')"; the message already names it.
        OutOfMemoryException => $"out of memory ({e.Message.TrimEnd('.')}); use smaller --hidden layers, a smaller --batch-size or less data",
        ArgumentException a when a.ParamName is not null =>
            a.Message.Replace($" (Parameter '{a.ParamName}')", string.Empty, StringComparison.Ordinal),
        _ => e.Message,
    });

    /// <summary>
    /// The message on one line, whatever it quotes: a parser's message may hold a piece of the user's
    /// file with its line break (System.Text.Json's "'not json\n' is an invalid JSON literal"), and a
    /// binary file or a column name may hold control characters that a terminal would act on (an
    /// escape sequence, a vertical tab). Line breaks are shown as \n and \r, as the library shows them
    /// in the values it quotes; other control characters and line separators as \uXXXX.
    /// </summary>
    public static string OneLine(string message)
    {
        var text = message.TrimEnd('\r', '\n');
        var line = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                continue; // CRLF is one line break, shown once as \n.
            }

            line.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\t",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return line.ToString();
    }
}
