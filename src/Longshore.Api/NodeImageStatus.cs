using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("Written by the node's agent only.")]
public sealed class NodeImageStatus
{
    [Description("The generation this status describes.")]
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [Description("Per wanted image.")]
    [JsonPropertyName("images")]
    public List<NodeImageEntryStatus>? Images { get; set; }

    [Description("Inventory summary.")]
    [JsonPropertyName("inventory")]
    public ImageInventory? Inventory { get; set; }

    [Description("Results of prune requests.")]
    [JsonPropertyName("pruneResults")]
    public List<NodePruneReport>? PruneResults { get; set; }

    [Description("Runtime.")]
    [JsonPropertyName("runtime")]
    public RuntimeInfo? Runtime { get; set; }

    [Description("Last time the agent wrote.")]
    [JsonPropertyName("heartbeatTime")]
    public DateTime? HeartbeatTime { get; set; }

    [Description("Ready.")]
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}
