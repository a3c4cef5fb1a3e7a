using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Longshore.Cli.Formatting;

/// <summary>
/// Parses the subset of Go's text/template that Docker's <c>--format</c> is used with: text, <c>{{ pipeline }}</c> actions
/// with <c>{{-</c>/<c>-}}</c> trimming, field chains, string/number/bool literals, function calls, parentheses and pipes.
/// Control actions (if, range, with, define, …) and variables are refused with a message saying so.
/// </summary>
internal static class TemplateParser
{
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal) { "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue" };

    public static IReadOnlyList<TemplateNode> Parse(string template)
    {
        var nodes = new List<TemplateNode>();
        var position = 0;
        var trimNextText = false;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var text = open < 0 ? template[position..] : template[position..open];
            if (trimNextText)
            {
                text = text.TrimStart();
            }

            if (open < 0)
            {
                AddText(nodes, text);
                break;
            }

            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateException($"template: unclosed action starting at character {open + 1}: expected '}}}}'");
            }

            var inner = template[(open + 2)..close];
            if (inner.StartsWith("- ", StringComparison.Ordinal) || inner == "-")
            {
                text = text.TrimEnd();
                inner = inner[1..];
            }

            trimNextText = inner.EndsWith(" -", StringComparison.Ordinal);
            if (trimNextText)
            {
                inner = inner[..^1];
            }

            AddText(nodes, text);
            var tokens = Tokenize(inner, open + 3);
            if (tokens.Count == 0)
            {
                throw new TemplateException($"template: empty action at character {open + 1}");
            }

            var reader = new TokenReader(tokens);
            var expression = ParsePipeline(reader);
            if (!reader.AtEnd)
            {
                throw new TemplateException($"template: unexpected '{reader.Peek}' in action at character {open + 1}");
            }

            nodes.Add(new TemplateNode.Action(expression));
            position = close + 2;
        }

        return nodes;
    }

    private static void AddText(List<TemplateNode> nodes, string text)
    {
        if (text.Length > 0)
        {
            nodes.Add(new TemplateNode.Text(text));
        }
    }

    private static TemplateExpression ParsePipeline(TokenReader reader)
    {
        var commands = new List<TemplateExpression> { ParseCommand(reader) };
        while (reader.Peek == "|")
        {
            reader.Next();
            var command = ParseCommand(reader);
            if (command is not TemplateExpression.Call)
            {
                throw new TemplateException($"template: only a function can follow '|', not {Describe(command)}");
            }

            commands.Add(command);
        }

        return commands.Count == 1 ? commands[0] : new TemplateExpression.Pipeline(commands);
    }

    private static TemplateExpression ParseCommand(TokenReader reader)
    {
        if (reader.AtEnd || reader.Peek is "|" or ")")
        {
            throw new TemplateException("template: missing value in action");
        }

        var first = reader.Peek!;
        if (IsIdentifier(first) && first is not ("true" or "false"))
        {
            reader.Next();
            if (Unsupported.Contains(first))
            {
                throw new TemplateException($"template: '{first}' actions are not supported; use fields and functions (json, index, join, upper, lower, printf)");
            }

            var arguments = new List<TemplateExpression>();
            while (!reader.AtEnd && reader.Peek is not ("|" or ")"))
            {
                arguments.Add(ParseOperand(reader));
            }

            return new TemplateExpression.Call(first, arguments);
        }

        var operand = ParseOperand(reader);
        if (!reader.AtEnd && reader.Peek is not ("|" or ")"))
        {
            throw new TemplateException($"template: {Describe(operand)} is not a function and cannot take arguments ('{reader.Peek}')");
        }

        return operand;
    }

    private static TemplateExpression ParseOperand(TokenReader reader)
    {
        var token = reader.Next();
        if (token == "(")
        {
            var inner = ParsePipeline(reader);
            if (reader.Next() != ")")
            {
                throw new TemplateException("template: unclosed '(' in action");
            }

            return inner;
        }

        if (token[0] == '.')
        {
            return token == "." ? new TemplateExpression.Field([]) : new TemplateExpression.Field(token[1..].Split('.'));
        }

        if (token[0] is '"' or '`')
        {
            return new TemplateExpression.Literal(JsonValue.Create(token[1..]));
        }

        if (token is "true" or "false")
        {
            return new TemplateExpression.Literal(JsonValue.Create(token == "true"));
        }

        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return new TemplateExpression.Literal(JsonValue.Create(number));
        }

        if (token[0] == '$')
        {
            throw new TemplateException($"template: variables such as '{token}' are not supported");
        }

        if (IsIdentifier(token))
        {
            // A function used as an argument takes no arguments of its own, as in Go.
            return new TemplateExpression.Call(token, []);
        }

        throw new TemplateException($"template: unexpected '{token}' in action");
    }

    private static string Describe(TemplateExpression expression) => expression switch
    {
        TemplateExpression.Field field => $"field {field}",
        TemplateExpression.Literal literal => $"literal {literal.Value?.ToJsonString()}",
        _ => "a value",
    };

    private static bool IsIdentifier(string token) =>
        token.Length > 0 && (char.IsAsciiLetter(token[0]) || token[0] == '_') && token.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Splits an action into tokens; string tokens keep their opening quote and are unescaped.</summary>
    private static List<string> Tokenize(string action, int offset)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < action.Length)
        {
            var c = action[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '|' or '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '"')
            {
                var value = new StringBuilder("\"");
                i++;
                while (true)
                {
                    if (i >= action.Length)
                    {
                        throw new TemplateException($"template: unterminated string at character {offset + tokens.Count}");
                    }

                    var s = action[i++];
                    if (s == '"')
                    {
                        break;
                    }

                    if (s == '\\' && i < action.Length)
                    {
                        var escaped = action[i++];
                        value.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => escaped });
                    }
                    else
                    {
                        value.Append(s);
                    }
                }

                tokens.Add(value.ToString());
            }
            else if (c == '`')
            {
                var end = action.IndexOf('`', i + 1);
                if (end < 0)
                {
                    throw new TemplateException("template: unterminated raw string");
                }

                tokens.Add(action[i..end]);
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < action.Length && !char.IsWhiteSpace(action[i]) && action[i] is not ('|' or '(' or ')' or '"' or '`'))
                {
                    i++;
                }

                tokens.Add(action[start..i]);
            }
        }

        return tokens;
    }

    private sealed class TokenReader(List<string> tokens)
    {
        private int _index;

        public bool AtEnd => _index >= tokens.Count;

        public string? Peek => AtEnd ? null : tokens[_index];

        public string Next() => AtEnd ? throw new TemplateException("template: action ends too early") : tokens[_index++];
    }
}
