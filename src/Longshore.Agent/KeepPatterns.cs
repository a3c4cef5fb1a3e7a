using System.IO.Enumeration;
using Longshore.Oci;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// Reference patterns an image is never pruned under. <c>*</c> matches any run of characters (slashes included, so a
/// pattern keeps rather than misses), <c>?</c> one character. A pattern with a tag or digest (<c>*:stable</c>,
/// <c>app@sha256:*</c>) is matched against whole references, one without against repositories; each reference is tried
/// in full (<c>docker.io/library/app:1</c>) and familiar (<c>app:1</c>) form.
/// Matching is the runtime's own simple-expression matcher (<see cref="FileSystemName.MatchesSimpleExpression"/>),
/// case-sensitive; it allocates nothing, which matters when a plan tries every pattern on every name of thousands of images.
/// </summary>
public sealed class KeepPatterns
{
    private readonly List<(string Pattern, bool WholeReference)> _patterns;

    public KeepPatterns(IEnumerable<string>? patterns) =>
        _patterns = (patterns ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => (p.Trim(), HasTagOrDigest(p.Trim()))).ToList();

    public bool IsEmpty => _patterns.Count == 0;

    public bool Matches(RuntimeImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_patterns.Count == 0)
        {
            return false;
        }

        foreach (var name in image.RepoTags.Concat(image.RepoDigests))
        {
            foreach (var (reference, repository) in Forms(name))
            {
                if (_patterns.Any(p => FileSystemName.MatchesSimpleExpression(p.Pattern, p.WholeReference ? reference : repository, ignoreCase: false)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IEnumerable<(string Reference, string Repository)> Forms(string name)
    {
        if (!ImageReference.TryParse(name, out var parsed) || parsed is null)
        {
            yield return (name, name);
            yield break;
        }

        var suffix = parsed.Digest is { } digest ? "@" + digest : ":" + (parsed.Tag ?? ImageReference.DefaultTag);
        yield return (parsed.Repository + suffix, parsed.Repository);
        var familiar = parsed.FamiliarRepository;
        if (familiar != parsed.Repository)
        {
            yield return (familiar + suffix, familiar);
        }
    }

    /// <summary>A tag or digest is a ':' or '@' in the last path segment (a ':' before a '/' is a registry port).</summary>
    private static bool HasTagOrDigest(string pattern)
    {
        var last = pattern[(pattern.LastIndexOf('/') + 1)..];
        return last.Contains(':', StringComparison.Ordinal) || pattern.Contains('@', StringComparison.Ordinal);
    }
}
