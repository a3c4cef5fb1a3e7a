using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>An image built for tests, with the exact bytes of its manifest, config and layers.</summary>
public sealed record BuiltImage(
    byte[] ManifestBytes,
    Digest ManifestDigest,
    string ManifestMediaType,
    byte[] ConfigBytes,
    Digest ConfigDigest,
    string ConfigMediaType,
    IReadOnlyList<BuiltLayer> Layers,
    Platform Platform)
{
    /// <summary>Config plus compressed layers: what a store holds for this image (manifest excluded).</summary>
    public long TotalSize => ConfigBytes.LongLength + Layers.Sum(l => l.Size);

    public Descriptor ManifestDescriptor => new() { MediaType = ManifestMediaType, Digest = ManifestDigest, Size = ManifestBytes.LongLength };

    public Descriptor ConfigDescriptor => new() { MediaType = ConfigMediaType, Digest = ConfigDigest, Size = ConfigBytes.LongLength };

    /// <summary>Every blob of the image (config and layers) by digest.</summary>
    public IReadOnlyDictionary<Digest, byte[]> Blobs =>
        Layers.GroupBy(l => l.Digest).ToDictionary(g => g.Key, g => g.First().Content).Append(new(ConfigDigest, ConfigBytes)).ToDictionary();
}
