using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>The image's layers as uncompressed diff IDs, bottom first.</summary>
public sealed record RootFs
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "layers";

    [JsonPropertyName("diff_ids")]
    public required IReadOnlyList<Digest> DiffIds { get; init; }
}
