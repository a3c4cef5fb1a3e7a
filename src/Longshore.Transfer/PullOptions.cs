using Longshore.Oci;

namespace Longshore.Transfer;

/// <summary>How to pull: which platform to take from a multi-platform index (null means the host's) and how many layers at once.</summary>
public sealed record PullOptions
{
    public Platform? Platform { get; init; }

    /// <summary>Layers one pull downloads side by side (Docker's default is 3).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;
}
