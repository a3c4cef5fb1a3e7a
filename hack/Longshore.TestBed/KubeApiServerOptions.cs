namespace Longshore.TestBed;

/// <summary>How to start a <see cref="KubeApiServer"/>; the defaults give the loopback API server most tests use.</summary>
public sealed record KubeApiServerOptions
{
    /// <summary>The address it binds and advertises (loopback unless a node's network namespace provides another).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Runs etcd and the API server through this command, e.g. <c>nsenter</c> into a <see cref="NodeNamespace"/>.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>The authorizers, in order (<c>Node,RBAC</c> for a cluster with a kubelet).</summary>
    public string AuthorizationMode { get; init; } = "RBAC";

    /// <summary>Flags after the defaults: a plain flag given again wins, a list flag adds to the list.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>More token identities besides the admin and <see cref="KubeApiServer.IdentityNames"/>, e.g. a kubelet's.</summary>
    public IReadOnlyList<KubeIdentity> ExtraIdentities { get; init; } = [];
}
