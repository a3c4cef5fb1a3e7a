using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The container runtime the agent talks to.")]
public sealed class RuntimeInfo
{
    [Description("containerd, cri-o or embedded.")]
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [Description("Runtime version.")]
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [Description("Whether pins reach the runtime (kubelet GC honours them).")]
    [JsonPropertyName("pinningSupported")]
    public bool PinningSupported { get; set; } = false;
}
