using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.E2E;

/// <summary>etcd + kube-apiserver with the CRDs and RBAC, an anonymous and an htpasswd registry, and containerd pulling from both.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public KubeApiServer Api { get; private set; } = null!;

    public RegistryServer Registry { get; private set; } = null!;

    public RegistryServer PrivateRegistry { get; private set; } = null!;

    public ContainerdServer Containerd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var api = KubeApiServer.StartAsync();
        Registry = await RegistryServer.StartAsync();
        PrivateRegistry = await RegistryServer.StartAsync(new RegistryServerOptions { Username = AuthRegistryFixture.Username, Password = AuthRegistryFixture.Password });
        Containerd = await ContainerdServer.StartAsync([Registry.Host, PrivateRegistry.Host]);
        Api = await api;
        // The test identities get exactly the roles the deployed service accounts get.
        await OperatorInstall.InstallAsync(Api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Containerd.DisposeAsync();
        await Registry.DisposeAsync();
        await PrivateRegistry.DisposeAsync();
    }
}
