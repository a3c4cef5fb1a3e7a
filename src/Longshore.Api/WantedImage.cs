using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("An image the node must have.")]
public sealed class WantedImage
{
    [Description("Image reference.")]
    [Required]
    [JsonPropertyName("reference")]
    public string Reference { get; set; } = "";

    [Description("Manifest digest to pull (resolved by the operator).")]
    [JsonPropertyName("digest")]
    public string? Digest { get; set; }

    [Description("Digest the reference pointed at when resolved: the manifest's own for single-platform images, the index's for multi-platform ones. A node whose copy of the tag has neither digest pulls it again.")]
    [JsonPropertyName("repoDigest")]
    public string? RepoDigest { get; set; }

    [Description("Pin against kubelet garbage collection.")]
    [SchemaDefault(true)]
    [JsonPropertyName("pin")]
    public bool Pin { get; set; } = true;

    [Description("Credentials the agent may read.")]
    [JsonPropertyName("pullSecretRef")]
    public SecretReference? PullSecretRef { get; set; }

    [Description("Who wants it.")]
    [Required]
    [MinLength(1)]
    [JsonPropertyName("owners")]
    public List<ImageOwner> Owners { get; set; } = [];

    [Description("Platform override.")]
    [RegularExpression(@"^[a-z0-9_.-]+/[a-z0-9_.-]+(/[a-z0-9_.-]+)?$")]
    [JsonPropertyName("platform")]
    public string? Platform { get; set; }

    [Description("Per-attempt timeout.")]
    [RegularExpression(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    [JsonPropertyName("pullTimeout")]
    public string? PullTimeout { get; set; }

    [Description("Retries before Failed.")]
    [Range(0, 100)]
    [JsonPropertyName("backoffLimit")]
    public int? BackoffLimit { get; set; }
}
