using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>
/// Pull-secret copies against a real kube-apiserver, with the operator and the agent bound only by config/rbac: merged
/// per object, following their sources, readable by agents only in their own namespace, and bad secrets as conditions.
/// </summary>
public sealed class PullSecretMirrorTests(OperatorEnvironment environment) : IClassFixture<OperatorEnvironment>
{
    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what) => Poll.UntilAsync(probe, what, 60, 100);

    private static V1Secret DockerSecret(string name, string registry, string user, string type = PullSecretCopies.DockerConfigJsonType) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Type = type,
        Data = new Dictionary<string, byte[]>
        {
            [".dockerconfigjson"] = Encoding.UTF8.GetBytes($"{{\"auths\":{{\"{registry}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":pw"))}\"}}}}}}"),
        },
    };

    [Fact]
    public async Task Copies_merge_follow_their_sources_reach_only_agents_and_bad_secrets_become_a_condition()
    {
        var api = environment.Api;
        using var admin = api.CreateClient();
        await OperatorInstall.InstallAsync(api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        using var agentClient = api.CreateClient(api.Identities["agent"]);
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a" } });
        await admin.CoreV1.CreateNamespacedSecretAsync(DockerSecret("reg-a", "registry-a.example", "alice"), "team-a");
        await admin.CoreV1.CreateNamespacedSecretAsync(DockerSecret("reg-b", "registry-b.example", "bob"), "team-a");
        await admin.CoreV1.CreateNamespacedSecretAsync(DockerSecret("opaque", "registry-c.example", "carol", type: "Opaque"), "team-a");
        // The same name in another namespace is never used for team-a's objects.
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-b" } });
        await admin.CoreV1.CreateNamespacedSecretAsync(DockerSecret("elsewhere", "registry-d.example", "dave"), "team-b");

        var mirror = new PullSecretMirror(operatorClient, OperatorInstall.PullSecretNamespace);
        var owner = new PlannedOwner(V1Alpha1ImagePrePull.KindName, "team-a", "warm");
        V1LocalObjectReference[] named = [new() { Name = "reg-a" }, new() { Name = "reg-b" }, new() { Name = "opaque" }, new() { Name = "elsewhere" }];
        var first = await mirror.EnsureAsync(owner, named, CancellationToken.None);
        first.Copy.Should().Be((OperatorInstall.PullSecretNamespace, PullSecretCopies.CopyName(owner)));
        first.Problems.Should().Equal(
            "pull secret team-a/opaque has type Opaque: expected a Secret of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg in namespace team-a",
            "pull secret team-a/elsewhere does not exist: expected a Secret of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg in namespace team-a");

        async Task<DockerConfig> CopyAsync(IKubernetes reader) =>
            DockerConfig.Parse(Encoding.UTF8.GetString((await reader.CoreV1.ReadNamespacedSecretAsync(first.Copy!.Value.Name, OperatorInstall.PullSecretNamespace)).Data[".dockerconfigjson"]));

        // The agent reads the merged copy: each registry its own credential.
        var copy = await CopyAsync(agentClient);
        copy.Find("registry-a.example")!.Username.Should().Be("alice");
        copy.Find("registry-b.example")!.Username.Should().Be("bob");
        copy.Registries.Should().HaveCount(2);

        // Changes and deletions of the sources reach the copy.
        await admin.CoreV1.ReplaceNamespacedSecretAsync(DockerSecret("reg-a", "registry-a.example", "alice2"), "reg-a", "team-a");
        await admin.CoreV1.DeleteNamespacedSecretAsync("reg-b", "team-a");
        var second = await mirror.EnsureAsync(owner, named, CancellationToken.None);
        second.Problems.Should().Contain(p => p.StartsWith("pull secret team-a/reg-b does not exist", StringComparison.Ordinal));
        copy = await CopyAsync(agentClient);
        copy.Find("registry-a.example")!.Username.Should().Be("alice2");
        copy.Find("registry-b.example").Should().BeNull();

        // The agent may read copies and nothing else: not the operator's namespace (the webhook's key), not a list.
        await admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "longshore-webhook-tls" }, Type = "kubernetes.io/tls", Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1], ["tls.key"] = [2] } }, OperatorInstall.Namespace);
        var readKey = () => agentClient.CoreV1.ReadNamespacedSecretAsync("longshore-webhook-tls", OperatorInstall.Namespace);
        (await readKey.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var list = () => agentClient.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace);
        (await list.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var readTenant = () => agentClient.CoreV1.ReadNamespacedSecretAsync("reg-a", "team-a");
        (await readTenant.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // With no usable secret left the copy goes; so it does when its object is gone.
        (await mirror.EnsureAsync(owner, [new() { Name = "opaque" }], CancellationToken.None)).Copy.Should().BeNull();
        (await admin.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace, labelSelector: $"{PullSecretMirror.CopyLabel}=true")).Items.Should().BeEmpty();
        await mirror.EnsureAsync(owner, named, CancellationToken.None);
        await mirror.CollectAsync(new HashSet<string>(), CancellationToken.None);
        (await admin.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace, labelSelector: $"{PullSecretMirror.CopyLabel}=true")).Items.Should().BeEmpty();

        // The operator reports an unusable secret on the object, and carries on with the usable ones.
        var options = new OperatorOptions { ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        await prePulls.CreateAsync(new V1Alpha1ImagePrePull
        {
            Metadata = new V1ObjectMeta { Name = "warm", NamespaceProperty = "team-a" },
            Spec = new ImagePrePullSpec { Images = [environment.Registry.Reference("none/app:1")], ImagePullSecrets = [.. named] },
        });
        var reported = await Eventually(
            async () => (await prePulls.GetAsync("team-a", "warm"))?.Status?.Conditions?.FirstOrDefault(c => c.Type == PrePullConditions.PullSecretsReady),
            "the ImagePrePull reports its unusable pull secrets");
        reported.Status.Should().Be("False");
        reported.Reason.Should().Be("SecretUnusable");
        reported.Message.Should().Contain("team-a/opaque has type Opaque").And.Contain("team-a/elsewhere does not exist").And.Contain("team-a/reg-b does not exist");
        await Eventually(
            async () => (await admin.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace, labelSelector: $"{PullSecretMirror.CopyLabel}=true")).Items.Count == 1 ? "copied" : null,
            "the usable secret is copied for the agents");

        // An ImagePolicy reports its unusable secrets the same way, and the condition clears once they are usable.
        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        await policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "locked", NamespaceProperty = "team-a" },
            Spec = new ImagePolicySpec { Images = [new PolicyImage { Repository = environment.Registry.Reference("none/app"), Tag = "1" }], ImagePullSecrets = [new() { Name = "opaque" }, new() { Name = "elsewhere" }] },
        });
        var policyReported = await Eventually(
            async () => (await policies.GetAsync("team-a", "locked"))?.Status?.Conditions?.FirstOrDefault(c => c.Type == PolicyConditions.PullSecretsReady),
            "the ImagePolicy reports its unusable pull secrets");
        policyReported.Status.Should().Be("False");
        policyReported.Message.Should().Contain("team-a/opaque has type Opaque").And.Contain("team-a/elsewhere does not exist");
        await admin.CoreV1.CreateNamespacedSecretAsync(DockerSecret("elsewhere", "registry-d.example", "dave"), "team-a");
        await policies.PatchAsync("team-a", "locked", new { spec = new { imagePullSecrets = new[] { new { name = "elsewhere" } } } });
        await Eventually(
            async () => (await policies.GetAsync("team-a", "locked"))?.Status?.Conditions?.FirstOrDefault(c => c.Type == PolicyConditions.PullSecretsReady && c.Status == "True"),
            "the ImagePolicy's pull secrets are usable again");
        await app.StopAsync();
    }
}
