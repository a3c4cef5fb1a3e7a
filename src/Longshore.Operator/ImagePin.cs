using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// One repository's lock as admission uses it: the digest an ImagePolicy pins (null until the policy has resolved
/// one), the tag it followed, and every digest that counts as that image (the index digest and its platform manifests).
/// </summary>
public sealed record ImagePin(string Policy, string Repository, string? Tag, string? Digest, IReadOnlySet<string> AcceptedDigests)
{
    /// <summary>Whether an image already on <paramref name="digest"/> runs the pinned image.</summary>
    public bool Accepts(Digest digest) => AcceptedDigests.Contains(digest.ToString());

    /// <summary><c>repo:tag@digest</c> (or <c>repo@digest</c> without a tag): what a pinned container's image becomes.</summary>
    public string PinnedReference => Digest is null
        ? throw new InvalidOperationException($"{Repository} has no locked digest")
        : Repository + (Tag is null ? string.Empty : ":" + Tag) + "@" + Digest;
}
