using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("Schedule and results.")]
public sealed class ImagePruneStatus
{
    [Description("The generation this status describes.")]
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [Description("When the last run was scheduled.")]
    [JsonPropertyName("lastScheduleTime")]
    public DateTime? LastScheduleTime { get; set; }

    [Description("When the next run is due.")]
    [JsonPropertyName("nextScheduleTime")]
    public DateTime? NextScheduleTime { get; set; }

    [Description("The run in progress, if any.")]
    [JsonPropertyName("activeRun")]
    public PruneRun? ActiveRun { get; set; }

    [Description("The value of the longshore.io/run-now annotation that last started a run.")]
    [JsonPropertyName("lastRunNow")]
    public string? LastRunNow { get; set; }

    [Description("The last finished run.")]
    [JsonPropertyName("lastRun")]
    public PruneRun? LastRun { get; set; }

    [Description("Per-node results of the last run (bounded).")]
    [MaxLength(50)]
    [JsonPropertyName("nodeResults")]
    public List<NodePruneResult>? NodeResults { get; set; }

    [Description("Ready, Reconciling (a run in progress), Stalled (the schedule cannot be read), Degraded (nodes failed in the last run).")]
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}
