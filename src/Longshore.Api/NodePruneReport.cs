using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The result of a prune request.")]
public sealed class NodePruneReport
{
    /// <summary>How many removed and skipped entries a report lists (the counts are always complete).</summary>
    public const int ListLimit = 20;

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

    [Description("When the agent started the run.")]
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    [Description("When it finished.")]
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    [Description("Images removed (planned in a dry run).")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Exact reclaimable bytes of the plan: content no surviving image shares.")]
    [JsonPropertyName("bytesPlanned")]
    public long BytesPlanned { get; set; } = 0;

    [Description("Bytes actually freed, measured (0 in a dry run).")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Images removed (planned in a dry run), references or IDs, at most 20.")]
    [MaxLength(ListLimit)]
    [JsonPropertyName("removed")]
    public List<string>? Removed { get; set; }

    [Description("Candidates left on the node and why, at most 20.")]
    [MaxLength(ListLimit)]
    [JsonPropertyName("skipped")]
    public List<SkippedImage>? Skipped { get; set; }

    [Description("Candidates left on the node, in total.")]
    [JsonPropertyName("skippedCount")]
    public int SkippedCount { get; set; } = 0;

    [Description("Error or note.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
