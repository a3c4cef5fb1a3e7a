using k8s.Models;

namespace Longshore.Kube;

/// <summary>
/// Conditions that GitOps tools read truthfully. <c>Ready</c> stays (kubectl wait, people); beside it the kstatus
/// "abnormal-true" conditions: <c>Reconciling</c> while work is under way and <c>Stalled</c> when it cannot proceed,
/// each present only while True, and <c>status.observedGeneration</c> saying which spec the conditions describe.
/// Flux (kstatus) and Argo CD (through a health check on these conditions) then report progress and failure as they are.
/// </summary>
public static class KStatus
{
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";
    public const string Stalled = "Stalled";

    /// <summary>Sets Ready, Reconciling and Stalled for <paramref name="progress"/>; returns whether anything changed.</summary>
    public static bool Apply(IList<V1Condition> conditions, Progress progress, string reason, string message, long? generation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var changed = Conditions.Set(conditions, Ready, progress == Progress.Current, reason, message, generation, now);
        changed |= progress == Progress.InProgress
            ? Conditions.Set(conditions, Reconciling, true, reason, message, generation, now)
            : Conditions.Remove(conditions, Reconciling);
        changed |= progress == Progress.Failed
            ? Conditions.Set(conditions, Stalled, true, reason, message, generation, now)
            : Conditions.Remove(conditions, Stalled);
        return changed;
    }

    /// <summary>
    /// The status kstatus computes from an object's generation, observedGeneration and conditions: a status about an
    /// older spec is InProgress; then Reconciling=True is InProgress; then Stalled=True is Failed; otherwise Current.
    /// </summary>
    public static Progress Read(long? generation, long? observedGeneration, IEnumerable<V1Condition>? conditions)
    {
        if (observedGeneration is not null && generation is not null && observedGeneration != generation)
        {
            return Progress.InProgress;
        }

        var list = conditions?.ToList() ?? [];
        if (Conditions.IsTrue(list, Reconciling))
        {
            return Progress.InProgress;
        }

        return Conditions.IsTrue(list, Stalled) ? Progress.Failed : Progress.Current;
    }
}
