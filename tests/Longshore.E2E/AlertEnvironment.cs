using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.E2E;

/// <summary>etcd + kube-apiserver with the CRDs and RBAC, and a registry: what the operator needs to resolve ImagePolicy tags.</summary>
public sealed class AlertEnvironment : IAsyncLifetime
{
    public KubeApiServer Api { get; private set; } = null!;

    public RegistryServer Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var api = KubeApiServer.StartAsync();
        Registry = await RegistryServer.StartAsync();
        Api = await api;
        await OperatorInstall.InstallAsync(Api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Registry.DisposeAsync();
    }
}
