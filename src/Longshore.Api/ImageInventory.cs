using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Longshore.Api;

[Description("What the node holds.")]
public sealed class ImageInventory
{
    [Description("Images.")]
    [JsonPropertyName("imageCount")]
    public int ImageCount { get; set; } = 0;

    [Description("Bytes of all images.")]
    [JsonPropertyName("bytes")]
    public long Bytes { get; set; } = 0;

    [Description("Untagged images.")]
    [JsonPropertyName("danglingCount")]
    public int DanglingCount { get; set; } = 0;

    [Description("Bytes a prune of unused images would free.")]
    [JsonPropertyName("reclaimableBytes")]
    public long ReclaimableBytes { get; set; } = 0;

    [Description("Image filesystem used bytes.")]
    [JsonPropertyName("imageFsUsedBytes")]
    public long? ImageFsUsedBytes { get; set; }

    [Description("Image filesystem capacity.")]
    [JsonPropertyName("imageFsCapacityBytes")]
    public long? ImageFsCapacityBytes { get; set; }
}
