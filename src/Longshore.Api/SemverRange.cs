using System.Text.RegularExpressions;

namespace Longshore.Api;

/// <summary>Syntax of semver ranges as npm and Helm write them: comparators (&gt;=1.2.0 &lt;2), ~, ^, x-ranges, hyphen ranges, ||.</summary>
public static partial class SemverRange
{
    public static string? Validate(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
        {
            return "is empty: expected a range such as \">=1.4.0 <2.0.0\", \"~1.4\" or \"^2\"";
        }

        foreach (var alternative in range.Split("||"))
        {
            var set = alternative.Trim();
            if (set.Length == 0)
            {
                return $"'{range}' has an empty alternative around '||'";
            }

            var hyphen = HyphenPattern().Match(set);
            if (hyphen.Success)
            {
                continue;
            }

            foreach (var comparator in set.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!ComparatorPattern().IsMatch(comparator))
                {
                    return $"'{comparator}' in '{range}' is not a version comparator (e.g. >=1.2.3, <2, ~1.4, ^2.0, 1.x)";
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(>=|<=|>|<|=|~|\^)?v?(\d+|[xX*])(\.(\d+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex ComparatorPattern();

    [GeneratedRegex(@"^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?\s+-\s+v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex HyphenPattern();
}
