using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("An object that wants an image on the node.")]
public sealed class ImageOwner
{
    [Description("Kind of the owner.")]
    [Required]
    [EnumValues("ImagePrePull", "ImagePolicy")]
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [Description("Namespace of the owner.")]
    [Required]
    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    [Description("Name of the owner.")]
    [Required]
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}
