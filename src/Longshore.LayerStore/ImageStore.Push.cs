using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>Pushes an image's layers, config and exact manifest bytes to <paramref name="destination"/>; returns the manifest digest.</summary>
    public async Task<Digest> PushAsync(string image, ImageReference destination, RegistryClient registry, IProgress<PushProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(registry);
        Digest manifestDigest;
        using (var connection = _database.Open())
        {
            manifestDigest = FindImage(connection, image).ManifestDigest;
        }

        string mediaType;
        byte[] manifestBytes;
        using (var connection = _database.Open())
        {
            mediaType = (string)StoreDatabase.Scalar(connection, "SELECT media_type FROM blobs WHERE digest = $d", null, ("$d", manifestDigest.ToString()))!;
        }

        await using (var stream = OpenBlob(manifestDigest))
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken);
            manifestBytes = buffer.ToArray();
        }

        var manifest = ImageManifest.Parse(manifestBytes);
        foreach (var blob in manifest.Layers.Append(manifest.Config).DistinctBy(b => b.Digest))
        {
            if (await registry.BlobExistsAsync(destination, blob.Digest, cancellationToken))
            {
                progress?.Report(new PushProgress(blob.Digest, "Layer already exists"));
                continue;
            }

            progress?.Report(new PushProgress(blob.Digest, "Pushing"));
            await registry.PushBlobAsync(destination, blob, () => OpenBlob(blob.Digest), cancellationToken);
            progress?.Report(new PushProgress(blob.Digest, "Pushed"));
        }

        return await registry.PushManifestAsync(destination, mediaType, manifestBytes, cancellationToken);
    }
}
