using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>A node whose kubelet collects every unused image (thresholds 1%/0%, minimum age 1 s) whenever its image GC runs.</summary>
public sealed class ImageGcNodeFixture : KubeNodeFixture
{
    protected override KubeNodeOptions Options => new() { ImageGcHighThresholdPercent = 1, ImageGcLowThresholdPercent = 0 };
}
