using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("Where the pre-pull stands.")]
public sealed class ImagePrePullStatus
{
    [Description("The generation this status describes.")]
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [Description("Resolved digests per image.")]
    [JsonPropertyName("images")]
    public List<ResolvedImage>? Images { get; set; }

    [Description("Nodes that should have every image.")]
    [JsonPropertyName("desiredNodes")]
    public int DesiredNodes { get; set; } = 0;

    [Description("Nodes that have every image.")]
    [JsonPropertyName("readyNodes")]
    public int ReadyNodes { get; set; } = 0;

    [Description("Nodes pulling now.")]
    [JsonPropertyName("pullingNodes")]
    public int PullingNodes { get; set; } = 0;

    [Description("Nodes that gave up on an image.")]
    [JsonPropertyName("failedNodes")]
    public int FailedNodes { get; set; } = 0;

    [Description("Some failed nodes with reasons (bounded).")]
    [MaxLength(20)]
    [JsonPropertyName("failures")]
    public List<FailedNode>? Failures { get; set; }

    [Description("Ready, Reconciling and Stalled (kstatus), Degraded.")]
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}
