using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>Which platform to pull from a multi-platform index; null means the host's.</summary>
public sealed record PullOptions
{
    public Platform? Platform { get; init; }
}
