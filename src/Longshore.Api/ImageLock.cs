using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The digest an image is pinned to, and how it got there.")]
public sealed class ImageLock
{
    [Description("Repository.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("The tag followed, or the highest tag in the semver range when the lock was chosen.")]
    [JsonPropertyName("tag")]
    public string? Tag { get; set; }

    [Description("The semver range followed, if any.")]
    [JsonPropertyName("semver")]
    public string? Semver { get; set; }

    [Description("Follow or Hold.")]
    [JsonPropertyName("updatePolicy")]
    public string? UpdatePolicy { get; set; }

    [Description("Pinned digest: the manifest's, or the index's for a multi-platform image.")]
    [Required]
    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";

    [Description("For an index: the manifest digest of each platform it holds. A Pod running any of them runs the pinned image.")]
    [MaxLength(32)]
    [JsonPropertyName("platformDigests")]
    public List<PlatformDigest>? PlatformDigests { get; set; }

    [Description("What the tag points at in the registry now, when it differs from digest (under Hold, awaiting approval).")]
    [JsonPropertyName("registryDigest")]
    public string? RegistryDigest { get; set; }

    [Description("When the lock last moved (or was first made).")]
    [JsonPropertyName("resolvedAt")]
    public DateTime? ResolvedAt { get; set; }

    [Description("The digest before the last change.")]
    [JsonPropertyName("previousDigest")]
    public string? PreviousDigest { get; set; }

    [Description("Digests this lock held, newest first (at most 10).")]
    [MaxLength(10)]
    [JsonPropertyName("history")]
    public List<LockHistoryEntry>? History { get; set; }

    [Description("True while the registry cannot be asked and the last known good answer stands.")]
    [JsonPropertyName("stale")]
    public bool? Stale { get; set; }

    [Description("Why the last resolution failed, if it did.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
