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

    [Description("Follow the highest tag in this semver range, e.g. \">=1.4.0 <2.0.0\" (pre-releases only when the range names one). Exactly one of tag and semver.")]
    [JsonPropertyName("semver")]
    public string? Semver { get; set; }

    [Description("Follow moves the lock when the tag (or the highest tag in range) points at a new digest; Hold keeps the lock on the approved digest and reports the new one as tag-moved drift until it is approved.")]
    [SchemaDefault("Follow")]
    [EnumValues("Follow", "Hold")]
    [JsonPropertyName("updatePolicy")]
    public string UpdatePolicy { get; set; } = "Follow";

    [Description("With updatePolicy Hold: the approved digest (sha256:…), committed with the spec. Approving a moved tag means setting this to the status' registryDigest. Unset, the first resolution is locked and held.")]
    [RegularExpression("^sha256:[a-f0-9]{64}$")]
    [JsonPropertyName("digest")]
    public string? Digest { get; set; }
}
