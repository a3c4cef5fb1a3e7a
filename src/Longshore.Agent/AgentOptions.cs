namespace Longshore.Agent;

/// <summary>How the agent runs: which node it speaks for, which runtime it drives, where credentials live.</summary>
public sealed record AgentOptions
{
    /// <summary>The node (and its NodeImage) this agent owns; from the downward API in a DaemonSet.</summary>
    public string NodeName { get; init; } = Environment.GetEnvironmentVariable("NODE_NAME") ?? Environment.MachineName;

    public string? Kubeconfig { get; init; }

    /// <summary>The operator's namespace, where the pull secrets the agent may read are copied.</summary>
    public string Namespace { get; init; } = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "longshore-system";

    /// <summary>CRI socket; null detects containerd, k3s or CRI-O.</summary>
    public string? RuntimeSocket { get; init; }

    /// <summary>Use the embedded layer store in this folder instead of a CRI runtime.</summary>
    public string? EmbeddedStore { get; init; }

    public int MetricsPort { get; init; } = 8081;

    public string ListenAddress { get; init; } = "0.0.0.0";

    /// <summary>Images pulled at once on this node.</summary>
    public int MaxConcurrentPulls { get; init; } = 2;

    /// <summary>How often the runtime is checked even without a NodeImage change (images removed behind our back).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Status is written when it changed, and at least this often as a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>How often the runtime is asked whether it answers (the basis of /healthz).</summary>
    public TimeSpan RuntimeProbeInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed runtime checks in a row after which /healthz fails and kubelet restarts the agent.</summary>
    public int RuntimeFailureThreshold { get; init; } = 6;

    /// <summary>
    /// Folder on the host for the agent's own state (last use per image, prune runs executed), so it survives restarts;
    /// null keeps it in memory. The agent executable defaults it to <see cref="DefaultStateDirectory"/>.
    /// </summary>
    public string? StateDirectory { get; init; }

    public const string DefaultStateDirectory = "/var/lib/longshore-agent";
}
