using System.Text.RegularExpressions;

namespace Longshore.Api;

/// <summary>Kubernetes label key and value syntax (selectors are checked by <see cref="LabelSelectorValidator"/>).</summary>
public static partial class LabelSelectorRules
{
    /// <summary>Null for a valid label key ([prefix/]name), else what is wrong.</summary>
    public static string? KeyError(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "is empty";
        }

        var slash = key.LastIndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length > 253 || !PrefixPattern().IsMatch(prefix))
            {
                return "has a prefix that is not a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)";
            }
        }

        return name.Length is 0 or > 63 || !NamePattern().IsMatch(name)
            ? "must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
            : null;
    }

    public static string? ValueError(string? value) =>
        string.IsNullOrEmpty(value) || (value.Length <= 63 && NamePattern().IsMatch(value))
            ? null
            : "must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex PrefixPattern();
}
