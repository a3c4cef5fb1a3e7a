using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>An image manifest (OCI or Docker v2 schema 2): one config and an ordered list of layers.</summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    [JsonPropertyName("layers")]
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Parses and checks a manifest; the error names what is wrong.</summary>
    public static ImageManifest Parse(ReadOnlySpan<byte> json)
    {
        var manifest = OciJson.Deserialize<ImageManifest>(json, "manifest");
        if (manifest.SchemaVersion != 2)
            throw new OciFormatException("manifest", $"manifest schemaVersion is {manifest.SchemaVersion}: only schema 2 is supported");
        if (manifest.Config is null)
            throw new OciFormatException("manifest", "manifest has no config descriptor");
        if (manifest.Layers is null)
            throw new OciFormatException("manifest", "manifest has no layers array");
        if (manifest.MediaType is not null && !MediaTypes.IsManifest(manifest.MediaType))
            throw new OciFormatException("manifest", $"manifest mediaType '{manifest.MediaType}' is not an image manifest type");
        if (manifest.Config.Size < 0 || manifest.Layers.Any(l => l.Size < 0))
            throw new OciFormatException("manifest", "manifest has a descriptor with a negative size");
        return manifest;
    }

    /// <summary>Total compressed bytes of config and layers, what a pull downloads at most.</summary>
    public long ContentSize => Config.Size + Layers.Sum(l => l.Size);
}
