namespace Longshore.Cli.Formatting;

/// <summary>A parsed template is text and <c>{{ … }}</c> actions, in order.</summary>
internal abstract record TemplateNode
{
    public sealed record Text(string Value) : TemplateNode;

    public sealed record Action(TemplateExpression Expression) : TemplateNode;
}
