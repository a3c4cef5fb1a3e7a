using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The result of a prune request.")]
public sealed class NodePruneReport
{
    [Description("The ImagePrune.")]
    [Required]
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [Description("The run.")]
    [Required]
    [JsonPropertyName("runId")]
    public string RunId { get; set; } = "";

    [Description("Running, Succeeded or Failed.")]
    [EnumValues("Running", "Succeeded", "Failed")]
    [JsonPropertyName("phase")]
    public string Phase { get; set; } = "Running";

    [Description("Images removed (planned in a dry run).")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Bytes freed (planned in a dry run).")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Error or note.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [Description("When it finished.")]
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }
}
