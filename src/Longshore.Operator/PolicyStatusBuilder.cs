using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// How an ImagePolicy's lock outcomes, Pod drift and node drift fold into its status. Pure: the same inputs give the
/// same status, so the reconciler writes only when something changed.
/// </summary>
public static class PolicyStatusBuilder
{
    public static PolicyStatusResult Build(
        long? generation,
        ImagePolicyStatus? previous,
        IReadOnlyList<LockOutcome> outcomes,
        PodDriftReport pods,
        NodeDriftReport nodes,
        DateTime? lastRefresh,
        DateTime? nextRefresh,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        var locks = outcomes.Where(o => o.Lock is not null).Select(o => o.Lock!).ToList();
        var problems = outcomes.Where(o => o.Lock is null || o.Refused).Select(o => $"{o.Image}: {o.Error ?? "not resolved"}").ToList();
        var stale = outcomes.Where(o => o.Stale).Select(o => $"{o.Image}: {o.Lock!.Message ?? "registry unavailable"}").ToList();
        var tagMoved = outcomes.Count(o => o.TagMoved);

        var (progress, reason, message) =
            problems.Count > 0 ? (Progress.Failed, "ResolutionFailed", string.Join("; ", problems))
            : nodes.Pulling > 0 ? (Progress.InProgress, "PullingOnNodes", $"{nodes.Targets - nodes.Missing}/{nodes.Targets} nodes have every pinned digest; {nodes.Pulling} pulling")
            : (Progress.Current, "Locked", $"{locks.Count} image(s) locked");

        var conditions = Conditions.Copy(previous?.Conditions);
        KStatus.Apply(conditions, progress, reason, message, generation, now);

        var kinds = new List<string>();
        if (tagMoved > 0)
        {
            kinds.Add($"{tagMoved} tag(s) moved past the held digest");
        }

        if (pods.Count > 0)
        {
            kinds.Add($"{pods.Count} container(s) off digest");
        }

        if (nodes.Missing > 0)
        {
            kinds.Add($"{nodes.Missing} node(s) missing a pinned digest");
        }

        var driftReason = tagMoved > 0 ? "TagMoved" : pods.Count > 0 ? "PodsOffDigest" : nodes.Missing > 0 ? "NodesMissing" : "NoDrift";
        Conditions.Set(conditions, PolicyConditions.Drifted, kinds.Count > 0, driftReason, kinds.Count > 0 ? string.Join("; ", kinds) : "no drift", generation, now);
        Conditions.Set(
            conditions,
            PolicyConditions.Stale,
            stale.Count > 0,
            stale.Count > 0 ? "RegistryUnavailable" : "RegistryAnswered",
            stale.Count > 0 ? "last known good digest in use: " + string.Join("; ", stale) : "every lock reflects the registry's last answer",
            generation,
            now);

        var status = new ImagePolicyStatus
        {
            ObservedGeneration = generation,
            Locks = locks,
            Drift = new DriftSummary { TagMoved = tagMoved, PodsOffDigest = pods.Count, NodesMissing = nodes.Missing },
            Pods = pods.Sample.Count > 0 ? [.. pods.Sample] : null,
            LastRefreshTime = lastRefresh,
            NextRefreshTime = nextRefresh,
            Conditions = conditions,
        };
        return new PolicyStatusResult(status, progress, reason, message);
    }
}
