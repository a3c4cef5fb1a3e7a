using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// An image to record once its blobs are in the store: the reference it was fetched by (a tag is set unless it names a
/// digest), the index it was picked from (its digest is then the repo digest), its manifest and its parsed config.
/// </summary>
public sealed record ImageCommit(ImageReference Reference, ManifestDocument? Index, ManifestDocument Manifest, ImageConfig Config, long ConfigSize);
