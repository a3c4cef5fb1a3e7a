using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("The lock and the drift.")]
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

    [Description("Ready, Degraded.")]
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}
