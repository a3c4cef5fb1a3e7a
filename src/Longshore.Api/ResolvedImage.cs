using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("One image of the spec, resolved in the registry.")]
public sealed class ResolvedImage
{
    [Description("The image as written in the spec.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("What the tag points at (manifest or index digest).")]
    [JsonPropertyName("digest")]
    public string? Digest { get; set; }

    [Description("Per-platform manifest digests for the target nodes.")]
    [JsonPropertyName("platforms")]
    public List<PlatformDigest>? Platforms { get; set; }

    [Description("When it was resolved.")]
    [JsonPropertyName("resolvedAt")]
    public DateTime? ResolvedAt { get; set; }

    [Description("Why it could not be resolved, if it could not.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
