using Longshore.Oci;

namespace Longshore.Transfer;

/// <summary>A progress report for one layer of a pull: bytes so far of the total.</summary>
public sealed record PullProgress(Digest Layer, LayerPullStatus Status, long Current, long Total);
