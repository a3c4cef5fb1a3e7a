using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A candidate the prune left on the node, and why.")]
public sealed class SkippedImage
{
    [Description("Image reference, or ID when untagged.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("InUse, Pinned, Wanted, Kept, TooRecent or BelowDiskTarget.")]
    [Required]
    [JsonPropertyName("reason")]
    public PruneSkipReason Reason { get; set; } = PruneSkipReason.InUse;
}
