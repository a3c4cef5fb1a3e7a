using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("An image the policy pins, followed by tag or semver range.")]
public sealed class PolicyImage
{
    [Description("Repository, e.g. ghcr.io/org/app (no tag, no digest).")]
    [Required]
    [JsonPropertyName("repository")]
    public string Repository { get; set; } = "";

    [Description("Follow this tag. Exactly one of tag and semver.")]
    [JsonPropertyName("tag")]
    public string? Tag { get; set; }

    [Description("Follow the highest tag in this semver range, e.g. \">=1.4.0 <2.0.0\". Exactly one of tag and semver.")]
    [JsonPropertyName("semver")]
    public string? Semver { get; set; }
}
