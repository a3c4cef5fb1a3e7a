using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("The manifest digest of one platform.")]
public sealed class PlatformDigest
{
    [Description("os/arch[/variant].")]
    [Required]
    [JsonPropertyName("platform")]
    public string Platform { get; set; } = "";

    [Description("Manifest digest for that platform.")]
    [Required]
    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";
}
