using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Agent;

/// <summary>NodeImage statuses compared by value: each projected onto tuples and <see cref="ValueList{T}"/>s.</summary>
public static class NodeImageStatusValues
{
    /// <summary>Everything the status says, heartbeat included: what decides whether a write is needed at all.</summary>
    public static IEqualityComparer<NodeImageStatus?> Comparer { get; } = ValueComparer.By<NodeImageStatus, Value?>(s => Of(s, heartbeat: true));

    /// <summary>
    /// Whether two statuses say the same, leaving out the heartbeat: a status is written when what it says changed, not on
    /// every pass.
    /// </summary>
    public static bool Same(NodeImageStatus? a, NodeImageStatus? b) => Of(a, heartbeat: false) == Of(b, heartbeat: false);

    private static Value? Of(NodeImageStatus? status, bool heartbeat) => status is null ? null : new Value(
        status.ObservedGeneration,
        (status.Images ?? []).Select(e => (e.Reference, e.Phase, e.Digest, e.Size, e.Pinned, e.Reason, e.Message, e.Attempts, e.LastTransitionTime)).ToValueList(),
        status.Inventory is { } i ? (i.ImageCount, i.Bytes, i.DanglingCount, i.ReclaimableBytes, i.ImageFsUsedBytes, i.ImageFsCapacityBytes) : null,
        status.Runtime is { } r ? (r.Name, r.Version, r.PinningSupported) : null,
        (status.Conditions ?? []).Select(Condition).ToValueList(),
        (status.PruneResults ?? []).Select(Prune).ToValueList(),
        heartbeat ? status.HeartbeatTime : null);

    private static (string, string, string?, string?, long?, DateTime?) Condition(V1Condition c) =>
        (c.Type, c.Status, c.Reason, c.Message, c.ObservedGeneration, c.LastTransitionTime);

    private static (string, string, string, DateTime?, DateTime?, int, long, long, int, string?) Prune(NodePruneReport r) =>
        (r.Name, r.RunId, r.Phase, r.StartTime, r.CompletionTime, r.ImagesRemoved, r.BytesPlanned, r.BytesReclaimed, r.SkippedCount, r.Message);

    private sealed record Value(
        long? ObservedGeneration,
        ValueList<(string, ImagePhase, string?, long?, bool, PullFailureReason?, string?, int, DateTime?)> Images,
        (int, long, int, long, long?, long?)? Inventory,
        (string, string?, bool)? Runtime,
        ValueList<(string, string, string?, string?, long?, DateTime?)> Conditions,
        ValueList<(string, string, string, DateTime?, DateTime?, int, long, long, int, string?)> Prunes,
        DateTime? Heartbeat);
}
