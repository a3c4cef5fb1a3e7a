using Longshore.Oci;

namespace Longshore.Transfer;

/// <summary>
/// What a pull did: the image ID (config digest), the repo digest (manifest, or index for multi-platform tags),
/// how many layers were downloaded and how many were already present, and whether the image was new.
/// </summary>
public sealed record PullResult(ImageReference Reference, Digest ImageId, Digest RepoDigest, Platform Platform, int LayersDownloaded, int LayersAlreadyPresent, long BytesDownloaded, bool ImageWasNew);
