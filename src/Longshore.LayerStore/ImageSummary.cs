using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// One row of <c>image ls</c>: an image under one repository and tag (dangling images show <c>&lt;none&gt;</c> for both).
/// <see cref="Size"/> is the bytes its blobs take on disk.
/// </summary>
public sealed record ImageSummary(
    string Repository,
    string Tag,
    Digest? RepoDigest,
    Digest ImageId,
    DateTimeOffset? Created,
    long Size,
    IReadOnlyDictionary<string, string> Labels,
    bool Pinned,
    bool InUse)
{
    public const string None = "<none>";

    public bool Dangling => Repository == None && Tag == None;
}
