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

    [Description("Identifies the run; the agent reports it back.")]
    [Required]
    [JsonPropertyName("runId")]
    public string RunId { get; set; } = "";

    [Description("Dangling or Unused.")]
    [SchemaDefault("Dangling")]
    [EnumValues("Dangling", "Unused")]
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "Dangling";

    [Description("Only images unused this long.")]
    [RegularExpression(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    [JsonPropertyName("olderThan")]
    public string? OlderThan { get; set; }

    [Description("Patterns never pruned.")]
    [JsonPropertyName("keep")]
    public List<string>? Keep { get; set; }

    [Description("Stop at this usage percentage.")]
    [Range(0, 100)]
    [JsonPropertyName("diskUsageTarget")]
    public int? DiskUsageTarget { get; set; }

    [Description("Plan only.")]
    [SchemaDefault(false)]
    [JsonPropertyName("dryRun")]
    public bool DryRun { get; set; } = false;
}
