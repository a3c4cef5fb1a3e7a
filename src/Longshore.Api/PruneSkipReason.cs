using System.Text.Json.Serialization;

namespace Longshore.Api;

/// <summary>Why a prune left a candidate image on the node.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PruneSkipReason>))]
public enum PruneSkipReason
{
    /// <summary>A container (running or exited, the sandbox too) uses the image.</summary>
    InUse,

    /// <summary>The runtime has the image pinned (by Longshore or anyone else).</summary>
    Pinned,

    /// <summary>An entry of the node's NodeImage wants the image.</summary>
    Wanted,

    /// <summary>A reference of the image matches a keep pattern.</summary>
    Kept,

    /// <summary>A container used the image (or it arrived) within olderThan.</summary>
    TooRecent,

    /// <summary>Disk usage was already at or below the target (or never above the threshold) without removing it.</summary>
    BelowDiskTarget,
}
