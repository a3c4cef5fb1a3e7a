using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The outcome of one scheduled run.")]
public sealed class PruneRun
{
    [Description("When the run started.")]
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    [Description("When every node had reported.")]
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    [Description("Nodes in the run.")]
    [JsonPropertyName("nodes")]
    public int Nodes { get; set; } = 0;

    [Description("Images removed (planned, in a dry run).")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Bytes freed (planned, in a dry run).")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Whether this was a dry run.")]
    [JsonPropertyName("dryRun")]
    public bool DryRun { get; set; } = false;
}
