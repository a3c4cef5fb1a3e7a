using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("One run: in progress (status.activeRun) or finished (status.lastRun).")]
public sealed class PruneRun
{
    [Description("Identifies the run in the nodes' prune requests and reports.")]
    [JsonPropertyName("runId")]
    public string? RunId { get; set; }

    [Description("Schedule for a scheduled run, RunNow for one the longshore.io/run-now annotation started.")]
    [EnumValues("Schedule", "RunNow")]
    [JsonPropertyName("trigger")]
    public string? Trigger { get; set; }

    [Description("The scheduled time the run is for (scheduled runs only).")]
    [JsonPropertyName("scheduleTime")]
    public DateTime? ScheduleTime { get; set; }

    [Description("When the run started.")]
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }

    [Description("When every node had reported.")]
    [JsonPropertyName("completionTime")]
    public DateTime? CompletionTime { get; set; }

    [Description("Nodes in the run.")]
    [JsonPropertyName("nodes")]
    public int Nodes { get; set; } = 0;

    [Description("Nodes that have finished (succeeded or failed).")]
    [JsonPropertyName("completedNodes")]
    public int CompletedNodes { get; set; } = 0;

    [Description("Nodes that failed or did not report in time.")]
    [JsonPropertyName("failedNodes")]
    public int FailedNodes { get; set; } = 0;

    [Description("Images removed (planned, in a dry run).")]
    [JsonPropertyName("imagesRemoved")]
    public int ImagesRemoved { get; set; } = 0;

    [Description("Bytes the nodes' plans would reclaim.")]
    [JsonPropertyName("bytesPlanned")]
    public long BytesPlanned { get; set; } = 0;

    [Description("Bytes actually freed (0 in a dry run).")]
    [JsonPropertyName("bytesReclaimed")]
    public long BytesReclaimed { get; set; } = 0;

    [Description("Whether this was a dry run.")]
    [JsonPropertyName("dryRun")]
    public bool DryRun { get; set; } = false;

    [Description("Nodes asked to prune that have not finished, with when they were asked (in-progress runs only).")]
    [JsonPropertyName("inFlight")]
    public List<PruneNodeStart>? InFlight { get; set; }
}
