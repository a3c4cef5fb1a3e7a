using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>
/// Which changes re-queue a controller. Adds and deletes always do; an update does only when it can matter, so a
/// controller is not woken by its own status writes or by a node's heartbeat.
/// </summary>
public static class Predicates
{
    /// <summary>Every change.</summary>
    public static bool Any<T>(ObjectEvent<T> change)
        where T : IKubernetesObject<V1ObjectMeta> => true;

    /// <summary>
    /// The spec changed (metadata.generation moved; status and metadata-only writes leave it) or deletion began.
    /// </summary>
    public static bool GenerationChanged<T>(ObjectEvent<T> change)
        where T : IKubernetesObject<V1ObjectMeta> =>
        change.Type != WatchEventType.Modified
        || change.Previous is null
        || change.Previous.Metadata.Generation != change.Object.Metadata.Generation
        || DeletionChanged(change);

    /// <summary>A Node's labels, taints, node info or deletion changed (or it was replaced under the same name); not its heartbeats or conditions.</summary>
    public static bool NodeChanged(ObjectEvent<V1Node> change)
    {
        if (change.Type != WatchEventType.Modified || change.Previous is null)
        {
            return true;
        }

        var (before, after) = (change.Previous, change.Object);
        return before.Metadata.Uid != after.Metadata.Uid
            || DeletionChanged(change)
            || !SameLabels(before.Metadata.Labels, after.Metadata.Labels)
            || !Taints(before).SequenceEqual(Taints(after))
            || Info(before) != Info(after);
    }

    private static bool DeletionChanged<T>(ObjectEvent<T> change)
        where T : IKubernetesObject<V1ObjectMeta> =>
        (change.Previous?.Metadata.DeletionTimestamp is null) != (change.Object.Metadata.DeletionTimestamp is null);

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static IEnumerable<(string Key, string? Value, string Effect)> Taints(V1Node node) =>
        (node.Spec?.Taints ?? []).Select(t => (t.Key, (string?)t.Value, t.Effect));

    private static (string?, string?, string?, string?, string?) Info(V1Node node) =>
        node.Status?.NodeInfo is { } info
            ? (info.OperatingSystem, info.Architecture, info.KernelVersion, info.ContainerRuntimeVersion, info.KubeletVersion)
            : default;
}
