using k8s;
using k8s.Models;
using Longshore.TestBed;

namespace Longshore.Testing;

/// <summary>
/// Installs Longshore's CRDs, its namespace and RBAC, and binds the operator's and agent's roles to users; again on the
/// same API server, it leaves what is there (tests of one class share a cluster).
/// </summary>
public static class OperatorInstall
{
    public const string Namespace = "longshore-system";

    /// <summary>Where pull-secret copies live (config/rbac creates it): the one namespace where agents may read Secrets.</summary>
    public const string PullSecretNamespace = "longshore-pull-secrets";

    /// <summary>Binds the deployed roles to <paramref name="operatorUser"/> and <paramref name="agentUser"/> (identities or service accounts).</summary>
    public static async Task InstallAsync(KubeApiServer api, Rbacv1Subject operatorUser, Rbacv1Subject agentUser)
    {
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        using var admin = api.CreateClient();
        await CreateUnlessPresentAsync(() => admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }));
        await api.ApplyAsync(KubeApiServer.RepositoryFile("config/rbac"));
        foreach (var (subject, role) in new[] { (operatorUser, "longshore-operator"), (agentUser, "longshore-agent") })
        {
            await CreateUnlessPresentAsync(() => admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"{role}-test" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
                Subjects = [subject],
            }));
            await BindRoleAsync(admin, subject, role);
        }
    }

    /// <summary>Binds the namespaced Roles named <paramref name="role"/> (where config/rbac defines them) to a test identity.</summary>
    public static async Task BindRoleAsync(IKubernetes admin, Rbacv1Subject subject, string role)
    {
        ArgumentNullException.ThrowIfNull(admin);
        foreach (var @namespace in new[] { Namespace, PullSecretNamespace })
        {
            await CreateUnlessPresentAsync(() => admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
                new V1RoleBinding
                {
                    Metadata = new V1ObjectMeta { Name = $"{role}-test" },
                    RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = role },
                    Subjects = [subject],
                },
                @namespace));
        }
    }

    public static Rbacv1Subject User(string name) => new() { Kind = "User", Name = name, ApiGroup = "rbac.authorization.k8s.io" };

    public static Rbacv1Subject ServiceAccount(string @namespace, string name) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = @namespace };

    private static async Task CreateUnlessPresentAsync<T>(Func<Task<T>> create)
    {
        try
        {
            await create();
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }
    }
}
