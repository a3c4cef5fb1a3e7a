using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A container running another digest than its image's lock.")]
public sealed class PodDrift
{
    [Description("Pod name.")]
    [Required]
    [JsonPropertyName("pod")]
    public string Pod { get; set; } = "";

    [Description("Container name (init and ephemeral containers included).")]
    [Required]
    [JsonPropertyName("container")]
    public string Container { get; set; } = "";

    [Description("The locked repository.")]
    [Required]
    [JsonPropertyName("image")]
    public string Image { get; set; } = "";

    [Description("The digest it runs (from the container status' imageID).")]
    [Required]
    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";
}
