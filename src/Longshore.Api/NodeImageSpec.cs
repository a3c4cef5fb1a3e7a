using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("Written by the operator only.")]
public sealed class NodeImageSpec
{
    [Description("Images the node must have.")]
    [JsonPropertyName("images")]
    public List<WantedImage>? Images { get; set; }

    [Description("Prunes to run.")]
    [JsonPropertyName("pruneRequests")]
    public List<PruneRequest>? PruneRequests { get; set; }
}
