using System.Text.Json.Nodes;
using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>Writes built images as an OCI image layout folder (what skopeo's <c>oci:DIR:TAG</c> reads).</summary>
public static class OciLayoutWriter
{
    public static Task WriteAsync(string directory, BuiltImage image, string tag, CancellationToken cancellationToken = default) =>
        WriteAsync(directory, BlobsOf(image).Append(new(image.ManifestDigest, image.ManifestBytes)), image.ManifestMediaType, image.ManifestDigest, image.ManifestBytes.LongLength, tag, cancellationToken);

    public static Task WriteAsync(string directory, BuiltIndex index, string tag, CancellationToken cancellationToken = default) =>
        WriteAsync(
            directory,
            index.Images.SelectMany(i => BlobsOf(i).Append(new(i.ManifestDigest, i.ManifestBytes))).Append(new(index.Digest, index.Bytes)),
            index.MediaType,
            index.Digest,
            index.Bytes.LongLength,
            tag,
            cancellationToken);

    private static IEnumerable<KeyValuePair<Digest, byte[]>> BlobsOf(BuiltImage image) => image.Blobs;

    private static async Task WriteAsync(string directory, IEnumerable<KeyValuePair<Digest, byte[]>> blobs, string mediaType, Digest digest, long size, string tag, CancellationToken cancellationToken)
    {
        var blobDirectory = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobDirectory);
        foreach (var (blobDigest, content) in blobs)
        {
            var path = Path.Combine(blobDirectory, blobDigest.Hex);
            if (!File.Exists(path))
            {
                await File.WriteAllBytesAsync(path, content, cancellationToken);
            }
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
        var entry = TestImageBuilder.Descriptor(mediaType, digest, size);
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(entry) };
        await File.WriteAllTextAsync(Path.Combine(directory, "index.json"), index.ToJsonString(), cancellationToken);
    }
}
