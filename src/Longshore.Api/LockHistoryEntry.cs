using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A digest a lock held and for how long.")]
public sealed class LockHistoryEntry
{
    [Description("The digest.")]
    [Required]
    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";

    [Description("The tag it was reached through.")]
    [JsonPropertyName("tag")]
    public string? Tag { get; set; }

    [Description("When the lock moved to it.")]
    [JsonPropertyName("from")]
    public DateTime? From { get; set; }

    [Description("When the lock left it; unset for the current digest.")]
    [JsonPropertyName("to")]
    public DateTime? To { get; set; }
}
