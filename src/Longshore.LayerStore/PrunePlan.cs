namespace Longshore.LayerStore;

/// <summary>
/// What a prune will remove and exactly how many bytes that frees: the blobs that only the planned images reach.
/// Computed by the same mark-and-sweep walk the prune itself uses.
/// </summary>
public sealed record PrunePlan(PruneOptions Options, IReadOnlyList<PrunePlanImage> Images, IReadOnlyList<PrunePlanBlob> Blobs)
{
    public long ReclaimableBytes => Blobs.Sum(b => b.Size);
}
