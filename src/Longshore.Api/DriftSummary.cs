using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("Drift counts.")]
public sealed class DriftSummary
{
    [Description("Images whose tag now points at another digest than the lock (under Hold, until approved).")]
    [JsonPropertyName("tagMoved")]
    public int TagMoved { get; set; } = 0;

    [Description("Containers of Pods running another digest than the lock.")]
    [JsonPropertyName("podsOffDigest")]
    public int PodsOffDigest { get; set; } = 0;

    [Description("Nodes missing a pinned digest (with ensureOnNodes).")]
    [JsonPropertyName("nodesMissing")]
    public int NodesMissing { get; set; } = 0;
}
