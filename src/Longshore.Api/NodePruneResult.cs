using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("One node in the last run.")]
public sealed class NodePruneResult
{
    [Description("Node name.")]
    [Required]
    [JsonPropertyName("node")]
    public string Node { get; set; } = "";

    [Description("Images removed.")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Bytes freed.")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Error or note.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
