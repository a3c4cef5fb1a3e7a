using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Condition types on an ImagePrePull: <c>Ready</c>, kstatus's <c>Reconciling</c> and <c>Stalled</c> (present only
/// while True), and <c>Degraded</c> (True while some node failed or some image did not resolve).
/// </summary>
public static class PrePullConditions
{
    public const string Ready = KStatus.Ready;
    public const string Reconciling = KStatus.Reconciling;
    public const string Stalled = KStatus.Stalled;
    public const string Degraded = "Degraded";

    /// <summary>False while a named pull secret is missing, of the wrong type or malformed; its message names each.</summary>
    public const string PullSecretsReady = "PullSecretsReady";
}
