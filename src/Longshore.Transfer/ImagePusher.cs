using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Transfer;

/// <summary>Pushes images from an <see cref="ImageStore"/> to a registry: blobs the registry lacks, then the exact manifest bytes.</summary>
public sealed class ImagePusher(ImageStore store)
{
    /// <summary>Pushes <paramref name="image"/> to <paramref name="destination"/>; returns the manifest digest.</summary>
    public async Task<Digest> PushAsync(string image, ImageReference destination, RegistryClient registry, IProgress<PushProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(registry);
        var document = store.ReadManifest(image);
        var manifest = document.Manifest ?? throw new StoreCorruptException($"{image} has no image manifest in the store (run longshore fsck)");
        foreach (var blob in manifest.Layers.Append(manifest.Config).DistinctBy(b => b.Digest))
        {
            if (await registry.BlobExistsAsync(destination, blob.Digest, cancellationToken))
            {
                progress?.Report(new PushProgress(blob.Digest, "Layer already exists"));
                continue;
            }

            progress?.Report(new PushProgress(blob.Digest, "Pushing"));
            await registry.PushBlobAsync(destination, blob, () => store.OpenBlob(blob.Digest), cancellationToken);
            progress?.Report(new PushProgress(blob.Digest, "Pushed"));
        }

        return await registry.PushManifestAsync(destination, document.MediaType, document.Content, cancellationToken);
    }
}
