using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A prune the operator asks this node to run.")]
public sealed class PruneRequest
{
    [Description("The ImagePrune.")]
    [Required]
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [Description("Identifies the run; the agent runs it once and reports it back.")]
    [Required]
    [JsonPropertyName("runId")]
    public string RunId { get; set; } = "";

    [Description("Dangling (untagged images) or Unused (images no container used for olderThan).")]
    [SchemaDefault("Dangling")]
    [EnumValues("Dangling", "Unused")]
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "Dangling";

    [Description("Only images unused this long (Go duration).")]
    [RegularExpression(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    [JsonPropertyName("olderThan")]
    public string? OlderThan { get; set; }

    [Description("Reference patterns never pruned, e.g. \"registry.k8s.io/*\", \"*:stable\".")]
    [MaxLength(64)]
    [JsonPropertyName("keep")]
    public List<string>? Keep { get; set; }

    [Description("Only prune when the image filesystem is fuller than this percentage.")]
    [Range(0, 100)]
    [JsonPropertyName("diskUsageAbove")]
    public int? DiskUsageAbove { get; set; }

    [Description("Stop at this usage percentage (least recently used first).")]
    [Range(0, 100)]
    [JsonPropertyName("diskUsageTarget")]
    public int? DiskUsageTarget { get; set; }

    [Description("Plan only.")]
    [SchemaDefault(false)]
    [JsonPropertyName("dryRun")]
    public bool DryRun { get; set; } = false;
}
