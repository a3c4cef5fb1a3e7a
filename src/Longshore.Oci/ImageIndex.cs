using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>An image index or Docker manifest list: one manifest per platform.</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("manifests")]
    public required IReadOnlyList<Descriptor> Manifests { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public static ImageIndex Parse(ReadOnlySpan<byte> json)
    {
        var index = OciJson.Deserialize<ImageIndex>(json, "index");
        if (index.SchemaVersion != 2)
            throw new OciFormatException("index", $"index schemaVersion is {index.SchemaVersion}: only schema 2 is supported");
        if (index.Manifests is null)
            throw new OciFormatException("index", "index has no manifests array");
        if (index.MediaType is not null && !MediaTypes.IsIndex(index.MediaType))
            throw new OciFormatException("index", $"index mediaType '{index.MediaType}' is not an index type");
        return index;
    }

    /// <summary>
    /// The manifest for <paramref name="platform"/>: an exact variant match wins over a variant-less one, as containerd's
    /// matcher orders them. Null when no entry fits.
    /// </summary>
    public Descriptor? FindManifest(Platform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        Descriptor? loose = null;
        foreach (var entry in Manifests)
        {
            if (entry.Platform is null || !MediaTypes.IsManifest(entry.MediaType))
                continue;
            var candidate = entry.Platform.ToPlatform();
            if (!platform.Matches(candidate))
                continue;
            if (candidate.Variant == platform.Variant)
                return entry;
            loose ??= entry;
        }

        return loose;
    }

    /// <summary>The platforms the index offers, for error messages.</summary>
    public IEnumerable<string> Platforms => Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!.ToPlatform().ToString());
}
