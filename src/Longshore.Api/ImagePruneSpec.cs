using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Longshore.Api;

[Description("When and how unused images are removed from nodes.")]
public sealed class ImagePruneSpec
{
    [Description("Cron schedule as in CronJob: 5 fields (minute hour day-of-month month day-of-week), or @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly.")]
    [Required]
    [JsonPropertyName("schedule")]
    public string Schedule { get; set; } = "";

    [Description("IANA time zone for the schedule (default UTC).")]
    [JsonPropertyName("timeZone")]
    public string? TimeZone { get; set; }

    [Description("Seconds after its scheduled time within which a missed run (operator down, leader change, previous run still going) still starts; older missed runs are skipped. Unset: a missed run always starts once.")]
    [Range(10, int.MaxValue)]
    [JsonPropertyName("startingDeadlineSeconds")]
    public long? StartingDeadlineSeconds { get; set; }

    [Description("Skip scheduled runs while true (a run in progress finishes; the run-now annotation still starts one).")]
    [SchemaDefault(false)]
    [JsonPropertyName("suspend")]
    public bool Suspend { get; set; } = false;

    [Description("Nodes to prune; empty means all.")]
    [JsonPropertyName("nodeSelector")]
    public V1LabelSelector? NodeSelector { get; set; }

    [Description("Dangling removes untagged images; Unused removes every image no container uses.")]
    [SchemaDefault("Dangling")]
    [EnumValues("Dangling", "Unused")]
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "Dangling";

    [Description("Only images not used for this long (Go duration).")]
    [RegularExpression(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    [JsonPropertyName("olderThan")]
    public string? OlderThan { get; set; }

    [Description("Reference patterns never pruned, e.g. \"registry.k8s.io/*\", \"*:stable\".")]
    [MaxLength(64)]
    [JsonPropertyName("keep")]
    public List<string>? Keep { get; set; }

    [Description("Only prune a node whose image filesystem is fuller than this percentage.")]
    [Range(0, 100)]
    [JsonPropertyName("diskUsageAbove")]
    public int? DiskUsageAbove { get; set; }

    [Description("Stop once usage is at or below this percentage (must be below diskUsageAbove).")]
    [Range(0, 100)]
    [JsonPropertyName("diskUsageTarget")]
    public int? DiskUsageTarget { get; set; }

    [Description("Plan and report the reclaimable bytes; remove nothing.")]
    [SchemaDefault(false)]
    [JsonPropertyName("dryRun")]
    public bool DryRun { get; set; } = false;

    [Description("Nodes pruning at once.")]
    [SchemaDefault(1)]
    [Range(1, 10000)]
    [JsonPropertyName("parallelism")]
    public int Parallelism { get; set; } = 1;
}
