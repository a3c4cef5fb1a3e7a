using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>The platform object of an index entry, as it appears on the wire.</summary>
public sealed record DescriptorPlatform
{
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("os")]
    public required string Os { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    public Platform ToPlatform() => new(Os, Architecture, Variant, OsVersion);

    public static DescriptorPlatform From(Platform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return new() { Os = platform.Os, Architecture = platform.Architecture, Variant = platform.Variant, OsVersion = platform.OsVersion };
    }
}
