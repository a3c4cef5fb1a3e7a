using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Longshore.Api;

[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[CustomResource(Namespaced = false, ShortNames = ["iprune"])]
[PrinterColumn(0, "Schedule", "string", ".spec.schedule")]
[PrinterColumn(1, "Mode", "string", ".spec.mode")]
[PrinterColumn(2, "Last Run", "date", ".status.lastScheduleTime")]
[PrinterColumn(3, "Reclaimed", "integer", ".status.lastRun.bytesReclaimed")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
[Description("Removes dangling or unused images from nodes on a schedule, never touching images in use, pinned or wanted.")]
public sealed class V1Alpha1ImagePrune : IKubernetesObject<V1ObjectMeta>, ISpec<ImagePruneSpec>, IStatus<ImagePruneStatus?>
{
    public const string KindName = "ImagePrune";
    public const string Plural = "imageprunes";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ImagePruneSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ImagePruneStatus? Status { get; set; }
}
