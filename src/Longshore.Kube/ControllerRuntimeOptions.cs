namespace Longshore.Kube;

/// <summary>How the controllers of a process run: leader election on a Lease, workers and the deadline per reconcile.</summary>
public sealed class ControllerRuntimeOptions
{
    /// <summary>Off: this replica always leads (one replica, tests).</summary>
    public bool LeaderElection { get; init; } = true;

    public string Namespace { get; init; } = "default";

    public string LeaseName { get; init; } = "controllers";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public string Identity { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Workers per controller unless its registration says otherwise.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Deadline per reconcile unless its registration says otherwise.</summary>
    public TimeSpan ReconcileTimeout { get; init; } = ReconcilerHost.DefaultReconcileTimeout;
}
