using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("Which images are pinned to which digests, and what happens on drift.")]
public sealed class ImagePolicySpec
{
    [Description("Images under the policy.")]
    [Required]
    [MinLength(1)]
    [MaxLength(64)]
    [JsonPropertyName("images")]
    public List<PolicyImage> Images { get; set; } = [];

    [Description("Audit reports drift; Pin rewrites Pod images to the pinned digest; Enforce rejects Pods not running it.")]
    [SchemaDefault("Audit")]
    [EnumValues("Audit", "Pin", "Enforce")]
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "Audit";

    [Description("Cron schedule (5 fields or @hourly etc.) for re-resolving tags.")]
    [SchemaDefault("@hourly")]
    [JsonPropertyName("refreshSchedule")]
    public string RefreshSchedule { get; set; } = "@hourly";

    [Description("IANA time zone for refreshSchedule (default UTC).")]
    [JsonPropertyName("timeZone")]
    public string? TimeZone { get; set; }

    [Description("Pods whose containers are checked for drift; empty means every Pod in the namespace.")]
    [JsonPropertyName("podSelector")]
    public V1LabelSelector? PodSelector { get; set; }

    [Description("Keep the pinned digests warm on the nodes selected by nodeSelector.")]
    [SchemaDefault(false)]
    [JsonPropertyName("ensureOnNodes")]
    public bool EnsureOnNodes { get; set; } = false;

    [Description("Nodes for ensureOnNodes; empty means all.")]
    [JsonPropertyName("nodeSelector")]
    public V1LabelSelector? NodeSelector { get; set; }

    [Description("Registry credentials in this namespace.")]
    [MaxLength(16)]
    [JsonPropertyName("imagePullSecrets")]
    public List<V1LocalObjectReference>? ImagePullSecrets { get; set; }
}
