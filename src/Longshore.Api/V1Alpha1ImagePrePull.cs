using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Longshore.Api;

[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[CustomResource(Namespaced = true, ShortNames = ["ipp"])]
[PrinterColumn(0, "Ready", "integer", ".status.readyNodes")]
[PrinterColumn(1, "Desired", "integer", ".status.desiredNodes")]
[PrinterColumn(2, "Failed", "integer", ".status.failedNodes")]
[PrinterColumn(3, "Age", "date", ".metadata.creationTimestamp")]
[Description("Pre-pulls images onto the nodes it selects and keeps them there, pinned against kubelet garbage collection.")]
public sealed class V1Alpha1ImagePrePull : IKubernetesObject<V1ObjectMeta>, ISpec<ImagePrePullSpec>, IStatus<ImagePrePullStatus?>
{
    public const string KindName = "ImagePrePull";
    public const string Plural = "imageprepulls";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ImagePrePullSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ImagePrePullStatus? Status { get; set; }
}
