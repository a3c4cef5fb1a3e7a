using k8s;
using k8s.Models;
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
        await Api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        using var admin = Api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } });
        await Api.ApplyAsync(KubeApiServer.RepositoryFile("config/rbac"));
        // The test identities get exactly the roles the deployed service accounts get.
        foreach (var (user, role) in new[] { ("operator", "longshore-operator"), ("agent", "longshore-agent") })
        {
            await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"{role}-test-user" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
                Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
            });
            await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
                new V1RoleBinding
                {
                    Metadata = new V1ObjectMeta { Name = $"{role}-test-user" },
                    RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role },
                    Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
                },
                "longshore-system");
        }
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Containerd.DisposeAsync();
        await Registry.DisposeAsync();
        await PrivateRegistry.DisposeAsync();
    }
}
