using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>What <c>image inspect</c> shows, with Docker's field names.</summary>
public sealed record ImageDetails(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    DateTimeOffset? Created,
    string Os,
    string Architecture,
    string? Variant,
    long Size,
    ImageRootFs RootFS,
    ContainerConfig? Config,
    IReadOnlyList<string> PinnedBy,
    IReadOnlyList<string> InUseBy,
    string ManifestDigest,
    DateTimeOffset? LastTagTime);
