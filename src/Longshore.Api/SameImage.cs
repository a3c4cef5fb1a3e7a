namespace Longshore.Api;

/// <summary>One image however it is written: <c>nginx</c>, <c>nginx:latest</c> and <c>docker.io/library/nginx</c> are one.</summary>
public static class SameImage
{
    /// <summary>The parsed, normalised reference; the text itself when it does not parse.</summary>
    public static string Key(string reference) => FieldRules.ParseReference(reference)?.ToString() ?? reference;
}
