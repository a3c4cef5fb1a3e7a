using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("One node in the last run.")]
public sealed class NodePruneResult
{
    public const int SkippedLimit = 10;

    [Description("Node name.")]
    [Required]
    [JsonPropertyName("node")]
    public string Node { get; set; } = "";

    [Description("Succeeded or Failed.")]
    [EnumValues("Succeeded", "Failed")]
    [JsonPropertyName("phase")]
    public string Phase { get; set; } = "Succeeded";

    [Description("Images removed (planned, in a dry run).")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Bytes the node's plan would reclaim.")]
    [JsonPropertyName("bytesPlanned")]
    public long BytesPlanned { get; set; } = 0;

    [Description("Bytes freed.")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Candidates the node left in place, in total (in use, pinned, wanted, kept, too recent).")]
    [JsonPropertyName("imagesSkipped")]
    public int ImagesSkipped { get; set; } = 0;

    [Description("Candidates left in place and why, at most 10 (the node's NodeImage lists more while the run holds its request).")]
    [MaxLength(SkippedLimit)]
    [JsonPropertyName("skipped")]
    public List<SkippedImage>? Skipped { get; set; }

    [Description("Error or note.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
