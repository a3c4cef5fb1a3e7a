namespace Longshore.TestBed;

/// <summary>How to start a <see cref="KubeNode"/>.</summary>
public sealed record KubeNodeOptions
{
    /// <summary>The Node's name (also its cgroup root); by default <c>lsnode-N</c> with the namespace's index N.</summary>
    public string? Name { get; init; }

    /// <summary>Node labels kubelet registers the Node with.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>kubelet's imageGCHighThresholdPercent (its own default, 85, when null).</summary>
    public int? ImageGcHighThresholdPercent { get; init; }

    /// <summary>
    /// kubelet's evictionHard thresholds; by default only <c>memory.available: 1Mi</c>, so a busy host disk never puts the
    /// node under disk pressure. An <c>imagefs.available</c> threshold above the disk's free share makes the eviction manager
    /// run kubelet's image GC every 10 s (the periodic pass runs only every 5 minutes, first at start before stats exist).
    /// </summary>
    public IReadOnlyDictionary<string, string>? EvictionHard { get; init; }

    /// <summary>kubelet's imageGCLowThresholdPercent (its own default, 80, when null).</summary>
    public int? ImageGcLowThresholdPercent { get; init; }
}
