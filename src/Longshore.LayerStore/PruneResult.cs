namespace Longshore.LayerStore;

/// <summary>What a prune removed (Untagged/Deleted lines) and the bytes it freed.</summary>
public sealed record PruneResult(IReadOnlyList<RemovedItem> Removed, int ImagesRemoved, long ReclaimedBytes, IReadOnlyList<string> Skipped);
