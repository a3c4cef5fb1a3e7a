using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Longshore.Cli.Formatting;

namespace Longshore.Cli;

/// <summary><c>--format table|json</c> for listing and inspecting commands, and Go templates where Docker takes them.</summary>
internal static class OutputFormat
{
    public const string Table = "table";

    public const string JsonFormat = "json";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Option<string> Create(string defaultFormat = Table)
    {
        var option = new Option<string>("--format") { Description = "Output format: table or json", DefaultValueFactory = _ => defaultFormat };
        option.AcceptOnlyFromAmong(Table, JsonFormat);
        return option;
    }

    /// <summary>A <c>--format</c> that also takes a Go template, as Docker's does.</summary>
    public static Option<string> CreateWithTemplates(string defaultFormat = Table) => new("--format")
    {
        Description = "Output format: table, json, or a Go template such as '{{.Repository}}:{{.Tag}}' or 'table {{.ID}}\\t{{.Size}}'",
        DefaultValueFactory = _ => defaultFormat,
    };

    /// <summary>True when <paramref name="format"/> is neither of the built-in formats, so a template.</summary>
    public static bool IsTemplate(string? format) => format is not null && format != Table && format != JsonFormat;

    public static void WriteJson<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>
    /// Writes one rendered line per row; a <c>table</c> template first renders <paramref name="headers"/> (field name to
    /// Docker's column name) as the header row and aligns the columns. Every row is rendered before anything is written, and
    /// the header is always rendered, so a bad field fails the command with no partial output, even with no rows.
    /// Without <paramref name="headers"/> (rows that are whole documents, as inspect's) a table is refused.
    /// </summary>
    public static void WriteTemplate(TextWriter output, string format, IReadOnlyDictionary<string, string>? headers, IEnumerable<JsonNode?> rows)
    {
        var template = FormatTemplate.Parse(format);
        var lines = new List<string>();
        if (headers is null)
        {
            if (template.IsTable)
            {
                throw new TemplateException("template: this command prints documents, not a table: drop the 'table' prefix");
            }
        }
        else
        {
            var headerRow = new JsonObject();
            foreach (var (field, name) in headers)
            {
                headerRow[field] = name;
            }

            var header = template.Render(headerRow);
            if (template.IsTable)
            {
                lines.Add(header);
            }
        }

        lines.AddRange(rows.Select(template.Render));
        if (template.IsTable)
        {
            output.Write(TabAlignedWriter.Align(lines));
            return;
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        output.Write(text.ToString());
    }
}
