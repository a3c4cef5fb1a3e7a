using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("A Secret in a namespace.")]
public sealed class SecretReference
{
    [Description("Namespace.")]
    [Required]
    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    [Description("Name.")]
    [Required]
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}
