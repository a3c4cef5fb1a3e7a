namespace Longshore.TestBed;

/// <summary>How to start a <see cref="KubeApiServer"/>; the defaults give the loopback API server most tests use.</summary>
public sealed record KubeApiServerOptions
{
    /// <summary>The address it binds and advertises (loopback unless a node's network namespace provides another).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Runs etcd and the API server through this command, e.g. <c>nsenter</c> into a <see cref="NodeNamespace"/>.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];

    /// <summary>Flags after the defaults; a flag given again wins (e.g. <c>--authorization-mode=Node,RBAC</c>).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>More token identities besides the admin and <see cref="KubeApiServer.IdentityNames"/>, e.g. a kubelet's.</summary>
    public IReadOnlyList<KubeIdentity> ExtraIdentities { get; init; } = [];
}
