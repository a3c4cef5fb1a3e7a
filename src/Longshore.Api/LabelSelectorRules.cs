using System.Text.RegularExpressions;
using k8s.Models;

namespace Longshore.Api;

/// <summary>Kubernetes label key/value syntax and label-selector operator rules.</summary>
public static partial class LabelSelectorRules
{
    public static IEnumerable<(string Path, string Message)> Validate(V1LabelSelector? selector, string path)
    {
        if (selector is null)
        {
            yield break;
        }

        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (KeyError(key) is { } keyError)
            {
                yield return ($"{path}.matchLabels", $"key '{key}' {keyError}");
            }

            if (ValueError(value) is { } valueError)
            {
                yield return ($"{path}.matchLabels[{key}]", $"value '{value}' {valueError}");
            }
        }

        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            var at = $"{path}.matchExpressions[{i}]";
            if (KeyError(expression.Key) is { } keyError)
            {
                yield return ($"{at}.key", $"'{expression.Key}' {keyError}");
            }

            var values = expression.Values ?? [];
            switch (expression.OperatorProperty)
            {
                case "In" or "NotIn" when values.Count == 0:
                    yield return ($"{at}.values", $"must not be empty for operator {expression.OperatorProperty}");
                    break;
                case "Exists" or "DoesNotExist" when values.Count > 0:
                    yield return ($"{at}.values", $"must be empty for operator {expression.OperatorProperty}");
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    yield return ($"{at}.operator", $"'{expression.OperatorProperty}' is not one of In, NotIn, Exists, DoesNotExist");
                    break;
            }

            foreach (var value in values)
            {
                if (ValueError(value) is { } valueError)
                {
                    yield return ($"{at}.values", $"'{value}' {valueError}");
                }
            }
        }
    }

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
