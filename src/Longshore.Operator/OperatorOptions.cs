using Longshore.Hosting;

namespace Longshore.Operator;

/// <summary>How the operator runs: its namespace, ports, leader election, webhook certificate and registry access.</summary>
public sealed record OperatorOptions
{
    /// <summary>Where the operator lives (its lease, its webhook certificate).</summary>
    public string Namespace { get; init; } = "longshore-system";

    /// <summary>
    /// Where the operator keeps merged copies of pull secrets for the agents: a namespace of its own, so the agents'
    /// permission to read Secrets there reaches nothing else (never the webhook's key).
    /// </summary>
    public string PullSecretNamespace { get; init; } = "longshore-pull-secrets";

    /// <summary>Kubeconfig to use; null means in-cluster (service account), else $KUBECONFIG or ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }

    public bool LeaderElection { get; init; } = true;

    public string LeaseName { get; init; } = "longshore-operator";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public string Identity { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Plain HTTP: /metrics, /healthz, /readyz. 0 picks a free port.</summary>
    public int MetricsPort { get; init; } = 8080;

    /// <summary>HTTPS: the validating webhook. 0 picks a free port.</summary>
    public int WebhookPort { get; init; } = 9443;

    /// <summary>Folder with tls.crt and tls.key (a cert-manager Secret mounted), reloaded when they change; takes precedence over <see cref="WebhookCertificateSecret"/>.</summary>
    public string? WebhookCertificateDirectory { get; init; }

    /// <summary>
    /// The Secret in <see cref="Namespace"/> where the operator keeps its own CA and webhook certificate (the command
    /// line's default: longshore-webhook-tls); null, without a folder, generates a self-signed certificate in memory
    /// (local runs and tests that register the webhook themselves).
    /// </summary>
    public string? WebhookCertificateSecret { get; init; }

    /// <summary>The webhook's Service: its DNS names go into the serving certificate.</summary>
    public string WebhookServiceName { get; init; } = "longshore-webhook";

    /// <summary>More DNS names or IP addresses for the serving certificate (e.g. the address a test registers by URL).</summary>
    public IReadOnlyList<string> WebhookExtraNames { get; init; } = [];

    /// <summary>The configurations whose caBundle the operator keeps when it keeps its own certificate.</summary>
    public string ValidatingWebhookName { get; init; } = "longshore-validating-webhook";

    public string MutatingWebhookName { get; init; } = "longshore-mutating-webhook";

    public CertificateLifetimes CertificateLifetimes { get; init; } = new();

    /// <summary>Address to listen on; loopback for local runs and tests.</summary>
    public string ListenAddress { get; init; } = "0.0.0.0";

    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>The agents' service account: its NodeImage status writes are checked against the node its pod runs on.</summary>
    public string AgentServiceAccount { get; init; } = "longshore-agent";

    public int Workers { get; init; } = 4;

    /// <summary>How long a resolved digest is trusted before the registry is asked again.</summary>
    public TimeSpan ResolveInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A registry answer younger than this serves an ImagePolicy refresh that is due: policies refreshed together (the
    /// same schedule, an operator start) ask the registry once per tag.
    /// </summary>
    public TimeSpan PolicyRefreshWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What teams sharing the cluster may ask for: pins, tolerations, images per node.</summary>
    public TenantLimits Limits { get; init; } = new();

    /// <summary>Console log format and level; text unless the command line asks for JSON.</summary>
    public ConsoleLog Log { get; init; } = new();
}
