using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longshore.Cli.Formatting;

/// <summary>
/// A Docker <c>--format</c> template: Go template syntax evaluated over JSON data. <c>table …</c> asks for a header row and
/// tab-aligned columns; <c>\t</c> and <c>\n</c> written as two characters become a tab and a newline, as in Docker.
/// Fields are case-sensitive, as in Go. Functions: <c>json</c>, <c>index</c>, <c>join</c>, <c>upper</c>, <c>lower</c>,
/// <c>printf</c> (verbs %s %v %d %q %%, with width and <c>-</c>).
/// </summary>
internal sealed class FormatTemplate
{
    private const string TablePrefix = "table";

    private static readonly JsonSerializerOptions CompactJson = new(OutputFormat.Json) { WriteIndented = false };

    private readonly IReadOnlyList<TemplateNode> _nodes;

    private FormatTemplate(IReadOnlyList<TemplateNode> nodes, bool isTable)
    {
        _nodes = nodes;
        IsTable = isTable;
    }

    /// <summary>True for <c>table …</c>: print a header row and align the tab-separated cells.</summary>
    public bool IsTable { get; }

    public static FormatTemplate Parse(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var isTable = format.StartsWith(TablePrefix, StringComparison.Ordinal)
            && (format.Length == TablePrefix.Length || char.IsWhiteSpace(format[TablePrefix.Length]));
        var body = (isTable ? format[TablePrefix.Length..] : format).Trim(' ');
        body = body.Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
        return new FormatTemplate(TemplateParser.Parse(body), isTable);
    }

    /// <summary>Renders the template against <paramref name="data"/>; a missing field is an error naming it and the fields there are.</summary>
    public string Render(JsonNode? data)
    {
        var text = new StringBuilder();
        foreach (var node in _nodes)
        {
            switch (node)
            {
                case TemplateNode.Text t:
                    text.Append(t.Value);
                    break;
                case TemplateNode.Action a:
                    text.Append(Print(Evaluate(a.Expression, data)));
                    break;
            }
        }

        return text.ToString();
    }

    private static JsonNode? Evaluate(TemplateExpression expression, JsonNode? dot) => expression switch
    {
        TemplateExpression.Field field => Lookup(field, dot),
        TemplateExpression.Literal literal => literal.Value?.DeepClone(),
        TemplateExpression.Call call => Call(call.Function, call.Arguments.Select(a => Evaluate(a, dot)).ToList()),
        TemplateExpression.Pipeline pipeline => Pipe(pipeline, dot),
        _ => throw new TemplateException("template: unknown expression"),
    };

    private static JsonNode? Pipe(TemplateExpression.Pipeline pipeline, JsonNode? dot)
    {
        var value = Evaluate(pipeline.Commands[0], dot);
        foreach (var command in pipeline.Commands.Skip(1).Cast<TemplateExpression.Call>())
        {
            var arguments = command.Arguments.Select(a => Evaluate(a, dot)).ToList();
            arguments.Add(value);
            value = Call(command.Function, arguments);
        }

        return value;
    }

    private static JsonNode? Lookup(TemplateExpression.Field field, JsonNode? dot)
    {
        var current = dot;
        for (var i = 0; i < field.Path.Count; i++)
        {
            var name = field.Path[i];
            var where = "." + string.Join('.', field.Path.Take(i));
            switch (current)
            {
                case JsonObject obj when obj.TryGetPropertyValue(name, out var value):
                    current = value;
                    break;
                case JsonObject obj:
                    var valid = obj.Select(p => p.Key).ToList();
                    var of = i == 0 ? string.Empty : $" of {where}";
                    throw new TemplateException($"template: field {field} does not exist; valid fields{of}: {(valid.Count == 0 ? "none" : string.Join(", ", valid))}");
                case null:
                    // Go stops at a nil value too; here it prints as <no value>.
                    return null;
                default:
                    throw new TemplateException($"template: cannot take field {name} of {(i == 0 ? "." : where)}, which is {Kind(current)}, not an object");
            }
        }

        return current;
    }

    private static JsonNode? Call(string function, List<JsonNode?> arguments) => function switch
    {
        "json" => JsonValue.Create(Arity(function, arguments, 1)[0] is { } value ? value.ToJsonString(CompactJson) : "null"),
        "index" => Index(arguments),
        "join" => JoinList(Arity(function, arguments, 2)),
        "upper" => JsonValue.Create(Print(Arity(function, arguments, 1)[0]).ToUpperInvariant()),
        "lower" => JsonValue.Create(Print(Arity(function, arguments, 1)[0]).ToLowerInvariant()),
        "printf" => JsonValue.Create(Printf(arguments)),
        _ => throw new TemplateException($"template: function \"{function}\" not defined: available are json, index, join, upper, lower, printf"),
    };

    private static List<JsonNode?> Arity(string function, List<JsonNode?> arguments, int count) =>
        arguments.Count == count ? arguments : throw new TemplateException($"template: {function} takes {count} argument(s), got {arguments.Count}");

    private static JsonNode? Index(List<JsonNode?> arguments)
    {
        if (arguments.Count < 2)
        {
            throw new TemplateException("template: index takes a value and at least one key or position");
        }

        var current = arguments[0];
        foreach (var key in arguments.Skip(1))
        {
            current = current switch
            {
                JsonArray array when key is JsonValue v && v.TryGetValue<long>(out var position) =>
                    position >= 0 && position < array.Count ? array[(int)position] : throw new TemplateException($"template: index out of range: {position} (the list has {array.Count} item(s))"),
                JsonObject obj when key is JsonValue v && v.TryGetValue<string>(out var name) =>
                    obj.TryGetPropertyValue(name, out var value) ? value : null,
                null => throw new TemplateException("template: index of a missing value"),
                _ => throw new TemplateException($"template: cannot index {Kind(current)} with {Kind(key)}"),
            };
        }

        return current;
    }

    private static JsonNode JoinList(List<JsonNode?> arguments)
    {
        var (list, separator) = arguments[0] is JsonArray first ? (first, arguments[1]) : (arguments[1] as JsonArray, arguments[0]);
        return list is null
            ? throw new TemplateException("template: join takes a list and a separator")
            : JsonValue.Create(string.Join(Print(separator), list.Select(Print)));
    }

    private static string Printf(List<JsonNode?> arguments)
    {
        if (arguments.Count == 0 || arguments[0] is not JsonValue formatValue || !formatValue.TryGetValue<string>(out var format))
        {
            throw new TemplateException("template: printf takes a format string first");
        }

        var text = new StringBuilder();
        var next = 1;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                text.Append(format[i]);
                continue;
            }

            var start = i++;
            var leftAlign = i < format.Length && format[i] == '-';
            if (leftAlign)
            {
                i++;
            }

            var widthStart = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }

            var width = i > widthStart ? int.Parse(format[widthStart..i], CultureInfo.InvariantCulture) : 0;
            if (i >= format.Length)
            {
                throw new TemplateException($"template: printf format ends inside a verb ('{format[start..]}')");
            }

            var verb = format[i];
            if (verb == '%')
            {
                text.Append('%');
                continue;
            }

            if (next >= arguments.Count)
            {
                throw new TemplateException($"template: printf format '{format}' needs more arguments than the {arguments.Count - 1} given");
            }

            var argument = arguments[next++];
            var value = verb switch
            {
                's' or 'v' => Print(argument),
                'd' when argument is JsonValue n && n.TryGetValue<long>(out var number) => number.ToString(CultureInfo.InvariantCulture),
                'q' => JsonSerializer.Serialize(Print(argument), CompactJson),
                _ => throw new TemplateException($"template: printf verb %{verb} is not supported for {Kind(argument)} (use %s, %v, %d, %q)"),
            };
            text.Append(leftAlign ? value.PadRight(width) : value.PadLeft(width));
        }

        return text.ToString();
    }

    /// <summary>Prints a value as Go's fmt does for the equivalent Go value: lists as [a b], maps as map[k:v].</summary>
    private static string Print(JsonNode? value) => value switch
    {
        null => "<no value>",
        JsonArray array => "[" + string.Join(' ', array.Select(Print)) + "]",
        JsonObject obj => "map[" + string.Join(' ', obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Print(p.Value)}")) + "]",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? "true" : "false",
        _ => value.ToJsonString(CompactJson),
    };

    private static string Kind(JsonNode? value) => value switch
    {
        null => "a missing value",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            _ => "a boolean",
        },
        _ => "a value",
    };
}
