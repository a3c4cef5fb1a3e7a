using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Condition types and reasons on an ImagePrune: <c>Ready</c>; kstatus's <c>Reconciling</c> while a run is in progress
/// and <c>Stalled</c> while the schedule cannot be read; <c>Degraded</c> while the last run had failed nodes.
/// </summary>
public static class PruneConditions
{
    public const string Ready = KStatus.Ready;
    public const string Reconciling = KStatus.Reconciling;
    public const string Stalled = KStatus.Stalled;
    public const string Degraded = "Degraded";

    public const string Scheduled = "Scheduled";
    public const string Suspended = "Suspended";
    public const string Running = "Running";
    public const string InvalidSchedule = "InvalidSchedule";
    public const string PruneFailed = "PruneFailed";
    public const string AsExpected = "AsExpected";
}
