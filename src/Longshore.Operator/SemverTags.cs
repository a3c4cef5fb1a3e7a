using Semver;

namespace Longshore.Operator;

/// <summary>
/// Picks the tag an ImagePolicy's semver range follows: the highest version in range, read with npm's rules (the
/// syntax the API validates), so pre-releases count only when a comparator of the range names one of the same
/// major.minor.patch. Tags that are not full versions (latest, 1.4, sha-abc) are never candidates; a leading v is allowed.
/// </summary>
public static class SemverTags
{
    public static string? Highest(string range, IEnumerable<string> tags)
    {
        var parsed = SemVersionRange.ParseNpm(range);
        string? best = null;
        SemVersion? bestVersion = null;
        foreach (var tag in tags)
        {
            if (!SemVersion.TryParse(tag, SemVersionStyles.AllowV, out var version) || !parsed.Contains(version))
            {
                continue;
            }

            // Equal precedence (v1.2.3 beside 1.2.3, or build metadata): the ordinally smaller tag, so the answer is stable.
            var order = bestVersion is null ? 1 : SemVersion.ComparePrecedence(version, bestVersion);
            if (order > 0 || (order == 0 && string.CompareOrdinal(tag, best) < 0))
            {
                best = tag;
                bestVersion = version;
            }
        }

        return best;
    }
}
