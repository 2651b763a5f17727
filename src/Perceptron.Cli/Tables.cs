using Spectre.Console;

namespace Perceptron.Cli;

/// <summary>Key-value summaries: a Spectre table on a terminal, aligned plain lines otherwise.</summary>
internal static class Tables
{
    public static void Print(TextWriter output, bool plain, IReadOnlyList<(string Key, string Value)> rows)
    {
        if (plain)
        {
            var width = rows.Max(r => r.Key.Length);
            foreach (var (key, value) in rows)
            {
                output.WriteLine($"{(key + ":").PadRight(width + 2)}{value}");
            }

            return;
        }

        var table = new Spectre.Console.Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("key").AddColumn("value");
        foreach (var (key, value) in rows)
        {
            table.AddRow(new Markup($"[bold]{Markup.Escape(key)}[/]"), new Text(value));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>A grid of cells with a header row.</summary>
    public static void Grid(TextWriter output, bool plain, string title, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> cells)
    {
        if (plain)
        {
            output.WriteLine(title);
            var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
            output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))));
            foreach (var row in cells)
            {
                output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadLeft(widths[i]))));
            }

            return;
        }

        var table = new Spectre.Console.Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var h in header)
        {
            table.AddColumn(new TableColumn(Markup.Escape(h)).RightAligned());
        }

        foreach (var row in cells)
        {
            table.AddRow(row.Select(c => new Text(c)).ToArray());
        }

        AnsiConsole.Write(table);
    }
}
