using System.Text.Json.Nodes;

namespace Longshore.Cli.Formatting;

/// <summary>One piece of a Go-template action: a field chain, a literal, a function call, or a pipeline of those.</summary>
internal abstract record TemplateExpression
{
    /// <summary><c>.</c> (empty path) or <c>.A.B</c>: fields looked up from the current value.</summary>
    public sealed record Field(IReadOnlyList<string> Path) : TemplateExpression
    {
        public override string ToString() => Path.Count == 0 ? "." : "." + string.Join('.', Path);
    }

    /// <summary>A string, number or boolean written in the template.</summary>
    public sealed record Literal(JsonNode? Value) : TemplateExpression;

    /// <summary>A function applied to arguments; in a pipeline the previous value is passed as the last argument.</summary>
    public sealed record Call(string Function, IReadOnlyList<TemplateExpression> Arguments) : TemplateExpression;

    /// <summary><c>a | f | g</c>: each command's value goes on to the next.</summary>
    public sealed record Pipeline(IReadOnlyList<TemplateExpression> Commands) : TemplateExpression;
}
