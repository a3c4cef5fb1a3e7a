using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>The image configuration blob; its digest is the image ID.</summary>
public sealed record ImageConfig
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("architecture")]
    public string Architecture { get; init; } = string.Empty;

    [JsonPropertyName("os")]
    public string Os { get; init; } = string.Empty;

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; init; }

    [JsonPropertyName("rootfs")]
    public required RootFs RootFs { get; init; }

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    public static ImageConfig Parse(ReadOnlySpan<byte> json)
    {
        var config = OciJson.Deserialize<ImageConfig>(json, "image config");
        if (config.RootFs is null)
            throw new OciFormatException("image config", "image config has no rootfs");
        if (config.RootFs.DiffIds is null)
            throw new OciFormatException("image config", "image config rootfs has no diff_ids");
        return config;
    }

    public IReadOnlyDictionary<string, string> Labels => Config?.Labels ?? new Dictionary<string, string>();

    public Platform Platform => new(string.IsNullOrEmpty(Os) ? "linux" : Os, string.IsNullOrEmpty(Architecture) ? "amd64" : Architecture, Variant);
}
