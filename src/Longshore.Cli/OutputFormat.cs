using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longshore.Cli;

/// <summary><c>--format table|json</c> for listing and inspecting commands.</summary>
internal static class OutputFormat
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Option<string> Create(string defaultFormat = "table")
    {
        var option = new Option<string>("--format") { Description = "Output format: table or json", DefaultValueFactory = _ => defaultFormat };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static void WriteJson<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Json));
}
