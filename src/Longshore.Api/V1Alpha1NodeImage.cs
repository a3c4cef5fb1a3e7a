using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Longshore.Api;

[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[CustomResource(Namespaced = false, ShortNames = ["nimg"])]
[PrinterColumn(0, "Images", "integer", ".status.inventory.imageCount")]
[PrinterColumn(1, "Runtime", "string", ".status.runtime.name")]
[PrinterColumn(2, "Heartbeat", "date", ".status.heartbeatTime")]
[Description("The images one node must have and what its agent reports (one per node, named after it; spec by the operator, status by the agent).")]
public sealed class V1Alpha1NodeImage : IKubernetesObject<V1ObjectMeta>, ISpec<NodeImageSpec>, IStatus<NodeImageStatus?>
{
    public const string KindName = "NodeImage";
    public const string Plural = "nodeimages";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public NodeImageSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public NodeImageStatus? Status { get; set; }
}
