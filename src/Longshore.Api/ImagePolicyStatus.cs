using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("The locks and the drift.")]
public sealed class ImagePolicyStatus
{
    [Description("The generation this status describes.")]
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [Description("One per image.")]
    [JsonPropertyName("locks")]
    public List<ImageLock>? Locks { get; set; }

    [Description("Drift counts.")]
    [JsonPropertyName("drift")]
    public DriftSummary? Drift { get; set; }

    [Description("Some containers off their lock (bounded; drift.podsOffDigest has the count).")]
    [MaxLength(20)]
    [JsonPropertyName("pods")]
    public List<PodDrift>? Pods { get; set; }

    [Description("When the images were last resolved in the registry.")]
    [JsonPropertyName("lastRefreshTime")]
    public DateTime? LastRefreshTime { get; set; }

    [Description("When refreshSchedule resolves them next.")]
    [JsonPropertyName("nextRefreshTime")]
    public DateTime? NextRefreshTime { get; set; }

    [Description("The value of the longshore.io/refresh-requested annotation last acted on: setting the annotation to a new value asks for a refresh now.")]
    [JsonPropertyName("lastHandledRefreshRequest")]
    public string? LastHandledRefreshRequest { get; set; }

    [Description("Ready, Drifted, Stale, PullSecretsReady (once a named pull secret was unusable), and kstatus' Reconciling and Stalled.")]
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}
