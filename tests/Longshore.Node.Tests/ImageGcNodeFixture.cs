using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// A node whose kubelet collects every unused image older than 1 s (thresholds 1%/0%) and runs that collection every
/// 10 s: its imagefs eviction threshold (99% free) is always crossed, so the eviction manager calls the image GC's
/// DeleteUnusedImages, the same freeSpace pass the 5-minute periodic collection runs.
/// </summary>
public sealed class ImageGcNodeFixture : KubeNodeFixture
{
    protected override KubeNodeOptions Options => new()
    {
        ImageGcHighThresholdPercent = 1,
        ImageGcLowThresholdPercent = 0,
        EvictionHard = new Dictionary<string, string> { ["memory.available"] = "1Mi", ["imagefs.available"] = "99%" },
    };
}
