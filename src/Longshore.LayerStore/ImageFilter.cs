using System.Text.RegularExpressions;

namespace Longshore.LayerStore;

/// <summary>
/// <c>image ls</c> filters with Docker's meaning: <c>dangling=true|false</c>, <c>before=IMAGE</c>, <c>since=IMAGE</c>
/// (by creation time), <c>reference=GLOB</c> (several are OR'd, e.g. <c>*:latest</c>), <c>label=key[=value]</c> (AND'd).
/// </summary>
public sealed record ImageFilter
{
    public bool? Dangling { get; init; }

    public string? Before { get; init; }

    public string? Since { get; init; }

    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyList<LabelFilter> Labels { get; init; } = [];

    /// <summary>Parses <c>key=value</c> filter strings as given to <c>--filter</c>; the error names the filter and what was expected.</summary>
    public static ImageFilter Parse(IEnumerable<string> filters)
    {
        var result = new ImageFilter();
        foreach (var filter in filters)
        {
            var eq = filter.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"bad filter '{filter}': expected key=value (dangling, before, since, reference, label)");
            }

            var key = filter[..eq].Trim().ToLowerInvariant();
            var value = filter[(eq + 1)..];
            result = key switch
            {
                "dangling" => result with { Dangling = ParseBool(filter, value) },
                "before" => result with { Before = NonEmpty(filter, value) },
                "since" => result with { Since = NonEmpty(filter, value) },
                "reference" => result with { References = [.. result.References, NonEmpty(filter, value)] },
                "label" => result with { Labels = [.. result.Labels, LabelFilter.Parse(value)] },
                _ => throw new ArgumentException($"invalid filter '{key}': supported filters are dangling, before, since, reference and label"),
            };
        }

        return result;
    }

    /// <summary>Docker's reference glob: <c>*</c> matches within a path component, on the familiar name and tag.</summary>
    public static bool MatchesReference(string pattern, string familiarRepository, string tag)
    {
        var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", "[^/]*", StringComparison.Ordinal).Replace("\\?", "[^/]", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return pattern.Contains(':', StringComparison.Ordinal)
            ? regex.IsMatch(familiarRepository + ":" + tag)
            : regex.IsMatch(familiarRepository);
    }

    private static bool ParseBool(string filter, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new ArgumentException($"invalid filter '{filter}': dangling takes true or false"),
    };

    private static string NonEmpty(string filter, string value) =>
        value.Length > 0 ? value : throw new ArgumentException($"invalid filter '{filter}': a value is required");
}
