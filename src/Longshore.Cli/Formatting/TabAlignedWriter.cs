using System.Text;

namespace Longshore.Cli.Formatting;

/// <summary>
/// Aligns tab-terminated cells into columns the way Go's text/tabwriter does with Docker's settings (minimum width 10,
/// padding 3, spaces): a column spans the consecutive lines that have a cell in it, and the text after a line's last tab
/// is not aligned.
/// </summary>
internal static class TabAlignedWriter
{
    private const int MinWidth = 10;
    private const int Padding = 3;

    public static string Align(IEnumerable<string> lines)
    {
        var cells = lines.Select(l => l.Split('\t')).ToList();
        var output = new StringBuilder();
        Format(cells, 0, cells.Count, [], output);
        return output.ToString();
    }

    private static void Format(List<string[]> lines, int line0, int line1, List<int> widths, StringBuilder output)
    {
        var column = widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= lines[current].Length - 1)
            {
                continue;
            }

            // This line opens a block of lines with a cell in this column: print what came before, then size the block.
            WriteLines(lines, line0, current, widths, output);
            line0 = current;
            var width = MinWidth;
            for (; current < line1 && column < lines[current].Length - 1; current++)
            {
                width = Math.Max(width, lines[current][column].Length + Padding);
            }

            widths.Add(width);
            Format(lines, line0, current, widths, output);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
            current--;
        }

        WriteLines(lines, line0, line1, widths, output);
    }

    private static void WriteLines(List<string[]> lines, int from, int to, List<int> widths, StringBuilder output)
    {
        for (var i = from; i < to; i++)
        {
            var line = lines[i];
            for (var j = 0; j < line.Length; j++)
            {
                output.Append(j < widths.Count ? line[j].PadRight(widths[j]) : line[j]);
            }

            output.Append('\n');
        }
    }
}
