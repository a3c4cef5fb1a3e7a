using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// A reference resolved for one platform: <see cref="Root"/> is what the tag points at (its digest is the repo digest,
/// an index digest for multi-platform images) and <see cref="Manifest"/> is the platform's image manifest.
/// </summary>
public sealed record ResolvedImage(ImageReference Reference, Descriptor Root, ManifestDocument? Index, ManifestDocument Manifest)
{
    public Digest RepoDigest => Root.Digest;

    public ImageManifest ImageManifest => Manifest.Manifest!;
}
