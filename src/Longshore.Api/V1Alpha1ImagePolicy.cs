using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Longshore.Api;

[KubernetesEntity(Group = ApiGroup.Name, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = Plural)]
[CustomResource(Namespaced = true, ShortNames = ["ipol"])]
[PrinterColumn(0, "Mode", "string", ".spec.mode")]
[PrinterColumn(1, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn(2, "Tag Moved", "integer", ".status.drift.tagMoved")]
[PrinterColumn(3, "Pods Off", "integer", ".status.drift.podsOffDigest")]
[PrinterColumn(4, "Nodes Missing", "integer", ".status.drift.nodesMissing")]
[PrinterColumn(5, "Refreshed", "date", ".status.lastRefreshTime")]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp")]
[Description("Pins images to digests and reports (or prevents) drift: moved tags, Pods on other digests, nodes missing the digest.")]
public sealed class V1Alpha1ImagePolicy : IKubernetesObject<V1ObjectMeta>, ISpec<ImagePolicySpec>, IStatus<ImagePolicyStatus?>
{
    public const string KindName = "ImagePolicy";
    public const string Plural = "imagepolicies";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ImagePolicySpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ImagePolicyStatus? Status { get; set; }
}
