using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("One wanted image on the node.")]
public sealed class NodeImageEntryStatus
{
    [Description("Image reference.")]
    [Required]
    [JsonPropertyName("reference")]
    public string Reference { get; set; } = "";

    [Description("Pending, Pulling, Present or Failed.")]
    [Required]
    [JsonPropertyName("phase")]
    public ImagePhase Phase { get; set; } = ImagePhase.Pending;

    [Description("Digest present on the node.")]
    [JsonPropertyName("digest")]
    public string? Digest { get; set; }

    [Description("Bytes on the node.")]
    [JsonPropertyName("size")]
    public long? Size { get; set; }

    [Description("Pinned against garbage collection.")]
    [JsonPropertyName("pinned")]
    public bool Pinned { get; set; } = false;

    [Description("Why the last pull failed, as a machine-readable reason (NotFound, Unauthorized, Timeout, PlatformMissing, RegistryUnavailable, SecretUnavailable, RuntimeError, PullFailed).")]
    [JsonPropertyName("reason")]
    public PullFailureReason? Reason { get; set; }

    [Description("Why it failed.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [Description("Pull attempts so far.")]
    [JsonPropertyName("attempts")]
    public int Attempts { get; set; } = 0;

    [Description("When the phase last changed.")]
    [JsonPropertyName("lastTransitionTime")]
    public DateTime? LastTransitionTime { get; set; }
}
