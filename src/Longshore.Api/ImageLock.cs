using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The digest an image is pinned to.")]
public sealed class ImageLock
{
    [Description("Repository.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("The tag followed.")]
    [JsonPropertyName("tag")]
    public string? Tag { get; set; }

    [Description("Pinned digest.")]
    [Required]
    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";

    [Description("When the digest was resolved.")]
    [JsonPropertyName("resolvedAt")]
    public DateTime? ResolvedAt { get; set; }

    [Description("The digest before the last change.")]
    [JsonPropertyName("previousDigest")]
    public string? PreviousDigest { get; set; }
}
