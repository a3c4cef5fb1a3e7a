using Longshore.TestBed;
using Xunit;

namespace Longshore.Testing;

/// <summary>
/// A whole single-node Kubernetes where Pods run (<see cref="KubeNode"/>), shared by a test class: the admin kubeconfig,
/// kubeconfigs for chosen service accounts, the node's name, its registry and the containerd socket an agent uses.
/// </summary>
public class KubeNodeFixture : IAsyncLifetime
{
    private KubeNode? _node;

    public KubeNode Node => _node ?? throw new InvalidOperationException("the node fixture was not started");

    public KubeApiServer Api => Node.Api;

    public string NodeName => Node.Name;

    public RegistryServer Registry => Node.Registry;

    public string ContainerdSocket => Node.ContainerdSocket;

    /// <summary>A kubeconfig with cluster-admin rights.</summary>
    public string AdminKubeconfig => Node.Api.KubeconfigPath;

    /// <summary>A kubeconfig for a service account (created when missing).</summary>
    public Task<string> ServiceAccountKubeconfigAsync(string @namespace, string name) => Node.WriteServiceAccountKubeconfigAsync(@namespace, name);

    /// <summary>How the node is started; override for kubelet settings such as image GC thresholds.</summary>
    protected virtual KubeNodeOptions Options => new();

    public async Task InitializeAsync() => _node = await KubeNode.StartAsync(Options);

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}
