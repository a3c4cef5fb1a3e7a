using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Condition types on an ImagePolicy: <c>Ready</c> (every image is locked), kstatus's <c>Reconciling</c> (ensureOnNodes:
/// nodes still pulling) and <c>Stalled</c> (an image cannot be locked, or the registry refuses it), each present only
/// while True; <c>Drifted</c> (some drift of any kind) and <c>Stale</c> (the registry cannot be asked and a lock is
/// the last known good answer), always present; <c>PullSecretsReady</c> as on an ImagePrePull: present once a named pull
/// secret was missing, wrong-typed or malformed, and True again when every one is usable.
/// </summary>
public static class PolicyConditions
{
    public const string Ready = KStatus.Ready;
    public const string Reconciling = KStatus.Reconciling;
    public const string Stalled = KStatus.Stalled;
    public const string Drifted = "Drifted";
    public const string Stale = "Stale";
    public const string PullSecretsReady = PrePullConditions.PullSecretsReady;
}
