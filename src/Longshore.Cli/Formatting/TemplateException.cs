namespace Longshore.Cli.Formatting;

/// <summary>A <c>--format</c> template that does not parse, or names a field or function the data does not have.</summary>
internal sealed class TemplateException(string message) : Exception(message);
