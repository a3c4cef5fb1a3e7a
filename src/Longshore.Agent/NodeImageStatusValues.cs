using Longshore.Api;

namespace Longshore.Agent;

/// <summary>
/// Compares NodeImage statuses by value (tuples of their fields), leaving out the heartbeat and the prune results (which the agent carries over as they are): a status is written when
/// what it says changed, not on every pass.
/// </summary>
public static class NodeImageStatusValues
{
    public static bool Same(NodeImageStatus? a, NodeImageStatus? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return a.ObservedGeneration == b.ObservedGeneration
            && Values(a.Images, Entry).SequenceEqual(Values(b.Images, Entry))
            && Inventory(a.Inventory) == Inventory(b.Inventory)
            && (a.Runtime?.Name, a.Runtime?.Version, a.Runtime?.PinningSupported) == (b.Runtime?.Name, b.Runtime?.Version, b.Runtime?.PinningSupported)
            && Values(a.Conditions, Condition).SequenceEqual(Values(b.Conditions, Condition));
    }

    private static IEnumerable<T> Values<TItem, T>(IEnumerable<TItem>? items, Func<TItem, T> value) => (items ?? []).Select(value);

    private static (string, ImagePhase, string?, long?, bool, PullFailureReason?, string?, int, DateTime?) Entry(NodeImageEntryStatus e) =>
        (e.Reference, e.Phase, e.Digest, e.Size, e.Pinned, e.Reason, e.Message, e.Attempts, e.LastTransitionTime);

    private static (string, string, string?, string?, long?, DateTime?) Condition(k8s.Models.V1Condition c) =>
        (c.Type, c.Status, c.Reason, c.Message, c.ObservedGeneration, c.LastTransitionTime);

    private static (int, long, int, long, long?, long?)? Inventory(ImageInventory? i) =>
        i is null ? null : (i.ImageCount, i.Bytes, i.DanglingCount, i.ReclaimableBytes, i.ImageFsUsedBytes, i.ImageFsCapacityBytes);
}
