using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// How the NodeImage statuses of an ImagePrePull's target nodes and its resolutions fold into its status. Pure: the
/// same inputs give the same status, so the reconciler writes only when something changed.
/// </summary>
public static class PrePullStatusBuilder
{
    public const int MaxFailuresListed = 20;

    /// <param name="generation">metadata.generation of the object, observed by this status.</param>
    /// <param name="previous">The status now (its conditions' transition times and resolution times carry over).</param>
    /// <param name="resolved">One entry per spec image, Message set where it could not be resolved.</param>
    /// <param name="targets">The target nodes with their phases.</param>
    /// <param name="failures">Failed images per node.</param>
    /// <param name="carrying">Target nodes that carry the object's entries after planning.</param>
    /// <param name="now">The time of this reconcile.</param>
    /// <param name="limitProblems">What the administrator's limits kept from being done (pins, tolerations, images that did not fit).</param>
    /// <param name="secretProblems">One message per named pull secret that cannot be used (missing, wrong type, malformed).</param>
    public static PrePullStatusResult Build(
        long? generation,
        ImagePrePullStatus? previous,
        IReadOnlyList<ResolvedImage> resolved,
        IReadOnlyList<TargetNode> targets,
        IReadOnlyList<FailedNode> failures,
        IReadOnlySet<string> carrying,
        DateTimeOffset now,
        IReadOnlyList<string>? secretProblems = null,
        IReadOnlyList<string>? limitProblems = null)
    {
        var images = resolved.Select(entry =>
        {
            var before = previous?.Images?.FirstOrDefault(i => i.Image == entry.Image);
            // Unchanged resolutions keep their time, so a status write happens only when something changed.
            var at = before is not null && before.Digest == entry.Digest && before.Message == entry.Message ? before.ResolvedAt : entry.ResolvedAt;
            return new ResolvedImage { Image = entry.Image, Digest = entry.Digest, Platforms = entry.Platforms?.ToList(), ResolvedAt = at, Message = entry.Message };
        }).ToList();
        var resolveErrors = images.Where(i => i.Message is not null).Select(i => $"{i.Image}: {i.Message}").ToList();

        var started = targets.Where(t => carrying.Contains(t.Name)).ToList();
        var ready = started.Count(t => t.Phase == NodePhase.Ready);
        var pulling = started.Count(t => t.Phase == NodePhase.Pulling);
        var failedNodes = started.Where(t => t.Phase == NodePhase.Failed).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var failed = failures.Where(f => failedNodes.Contains(f.Node)).OrderBy(f => f.Node, StringComparer.Ordinal).ThenBy(f => f.Image, StringComparer.Ordinal).ToList();
        var waiting = targets.Count - started.Count;

        var (progress, reason, message) =
            targets.Count == 0 ? (Progress.Failed, PrePullReason.NoTargetNodes, "no node matches the selector, names and tolerations")
            : resolveErrors.Count > 0 ? (Progress.Failed, PrePullReason.ResolveFailed, string.Join("; ", resolveErrors))
            : limitProblems is { Count: > 0 } ? (Progress.Failed, PrePullReason.LimitExceeded, string.Join("; ", limitProblems))
            : failed.Count > 0 ? (Progress.Failed, PrePullReason.PullFailed, $"{failedNodes.Count} node(s) failed: {failed[0].Node}: {failed[0].Message ?? failed[0].Reason}")
            : ready == targets.Count ? (Progress.Current, PrePullReason.AllNodesReady, $"{ready}/{targets.Count} nodes have every image")
            : (Progress.InProgress, PrePullReason.Pulling, $"{ready}/{targets.Count} nodes have every image; {pulling} pulling, {waiting} waiting for a slot");

        var conditions = Conditions.Copy(previous?.Conditions);
        // Progressing was replaced by kstatus's Reconciling.
        Conditions.Remove(conditions, "Progressing");
        KStatus.Apply(conditions, progress, reason.ToString(), message, generation, now);
        var degraded = reason is PrePullReason.ResolveFailed or PrePullReason.PullFailed or PrePullReason.LimitExceeded;
        Conditions.Set(conditions, PrePullConditions.Degraded, degraded, (degraded ? reason : PrePullReason.AsExpected).ToString(), degraded ? message : "no failures", generation, now);
        PullSecretConditions.Apply(conditions, secretProblems, generation, now);

        var status = new ImagePrePullStatus
        {
            ObservedGeneration = generation,
            Images = images,
            DesiredNodes = targets.Count,
            ReadyNodes = ready,
            PullingNodes = pulling,
            FailedNodes = failedNodes.Count,
            Failures = failed.Take(MaxFailuresListed).ToList(),
            Conditions = conditions,
        };
        return new PrePullStatusResult(status, progress, reason);
    }
}
