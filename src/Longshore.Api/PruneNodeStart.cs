using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A node asked to prune in the run in progress.")]
public sealed class PruneNodeStart
{
    [Description("Node name.")]
    [Required]
    [JsonPropertyName("node")]
    public string Node { get; set; } = "";

    [Description("When its prune request was written.")]
    [JsonPropertyName("startTime")]
    public DateTime? StartTime { get; set; }
}
