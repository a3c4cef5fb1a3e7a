using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A node that failed to pull an image.")]
public sealed class FailedNode
{
    [Description("Node name.")]
    [Required]
    [JsonPropertyName("node")]
    public string Node { get; set; } = "";

    [Description("The image that failed.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("One-word reason (e.g. NotFound, Unauthorized, Timeout).")]
    [Required]
    [JsonPropertyName("reason")]
    public string Reason { get; set; } = "";

    [Description("What the runtime or registry said.")]
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
