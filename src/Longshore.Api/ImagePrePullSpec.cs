using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("What to pre-pull and where.")]
public sealed class ImagePrePullSpec
{
    [Description("Images to pull, as name[:tag] or name@digest (Docker reference grammar).")]
    [Required]
    [MinLength(1)]
    [MaxLength(64)]
    [JsonPropertyName("images")]
    public List<string> Images { get; set; } = [];

    [Description("Nodes whose labels match. Empty or absent with no nodeNames: every node.")]
    [JsonPropertyName("nodeSelector")]
    public V1LabelSelector? NodeSelector { get; set; }

    [Description("Nodes by name, in addition to nodeSelector matches.")]
    [MaxLength(1000)]
    [JsonPropertyName("nodeNames")]
    public List<string>? NodeNames { get; set; }

    [Description("Taints to tolerate: a node with NoSchedule or NoExecute taints not tolerated here is not a target.")]
    [JsonPropertyName("tolerations")]
    public List<V1Toleration>? Tolerations { get; set; }

    [Description("Secrets of type kubernetes.io/dockerconfigjson in this namespace with registry credentials.")]
    [MaxLength(16)]
    [JsonPropertyName("imagePullSecrets")]
    public List<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    [Description("Protect the images from kubelet image garbage collection while this object wants them.")]
    [SchemaDefault(true)]
    [JsonPropertyName("pin")]
    public bool Pin { get; set; } = true;

    [Description("At most this many nodes pull at once.")]
    [SchemaDefault(10)]
    [Range(1, 10000)]
    [JsonPropertyName("parallelism")]
    public int Parallelism { get; set; } = 10;

    [Description("Give up one pull attempt after this long (Go duration, e.g. 10m).")]
    [SchemaDefault("10m")]
    [RegularExpression(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    [JsonPropertyName("pullTimeout")]
    public string PullTimeout { get; set; } = "10m";

    [Description("Retries per image and node before the node counts as failed.")]
    [SchemaDefault(3)]
    [Range(0, 100)]
    [JsonPropertyName("backoffLimit")]
    public int BackoffLimit { get; set; } = 3;

    [Description("Pull this platform (os/arch[/variant]) instead of each node's own.")]
    [RegularExpression(@"^[a-z0-9_.-]+/[a-z0-9_.-]+(/[a-z0-9_.-]+)?$")]
    [JsonPropertyName("platform")]
    public string? Platform { get; set; }
}
