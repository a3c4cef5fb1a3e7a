using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Operator.Tests;

/// <summary>
/// The Pin and Enforce Pod webhooks called by a real kube-apiserver through the shipped webhook configuration, the
/// operator running with config/rbac's permissions only and labelling the namespaces it must be called for.
/// </summary>
public sealed class PodWebhookTests(OperatorEnvironment environment) : IClassFixture<OperatorEnvironment>
{
    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60) => Poll.UntilAsync(probe, what, seconds, 100);

    [Fact]
    public async Task Pin_rewrites_new_Pods_to_the_lock_Enforce_refuses_Pods_off_it_and_other_namespaces_are_not_called()
    {
        var api = environment.Api;
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = OperatorInstall.Namespace } });
        await api.ApplyAsync(KubeApiServer.RepositoryFile("config/rbac"));
        await BindAsync(admin);

        var web = new TestImageBuilder().WithFile("srv/web", "pinned").Build();
        await Skopeo.PublishAsync(web, environment.Registry, "shop/web:1");
        var repository = environment.Registry.Reference("shop/web");
        var digest = web.ManifestDigest.ToString();

        var options = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaseDuration = TimeSpan.FromSeconds(5),
            Identity = "webhook-test",
        };
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.MetricsPort}") };
        await Eventually(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode ? "ready" : null, "the operator is ready");
        await WebhookRegistration.RegisterAsync(admin, options.WebhookPort, app.Services.GetRequiredService<WebhookCertificate>().CertificatePem);

        foreach (var ns in new[] { "pinned", "enforced", "plain" })
        {
            await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
            // No controller-manager here to create it, and Pod admission wants it.
            await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ns);
        }

        // The ImagePolicy controller resolves shop/web:1 at the registry and writes the locks the webhooks read.
        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        await CreatePolicyAsync(policies, "pinned", "Pin", repository);
        await CreatePolicyAsync(policies, "enforced", "Enforce", repository);
        foreach (var ns in new[] { "pinned", "enforced" })
        {
            await Eventually(async () => (await policies.GetAsync(ns, "web"))?.Status?.Locks?.SingleOrDefault()?.Digest == digest ? "locked" : null, $"the controller locks shop/web:1 in {ns}");
        }

        await Eventually(async () => Label(await admin.CoreV1.ReadNamespaceAsync("pinned"), NamespacePolicyLabels.Pin) == "true" ? "labelled" : null, "the operator labels the Pin namespace");
        await Eventually(async () => Label(await admin.CoreV1.ReadNamespaceAsync("enforced"), NamespacePolicyLabels.Enforce) == "true" ? "labelled" : null, "the operator labels the Enforce namespace");
        Label(await admin.CoreV1.ReadNamespaceAsync("plain"), NamespacePolicyLabels.Pin).Should().BeNull();

        // Pin: a dry run goes through admission without storing, until the lock has reached the operator's cache.
        var pinnedImage = $"{repository}:1@{digest}";
        await Eventually(
            async () => (await admin.CoreV1.CreateNamespacedPodAsync(Pod("probe", $"{repository}:1"), "pinned", dryRun: "All")).Spec.Containers[0].Image == pinnedImage ? "pinned" : null,
            "the Pin webhook pins with the lock");
        var created = await admin.CoreV1.CreateNamespacedPodAsync(Pod("web", $"{repository}:1", init: $"{repository}:1", sidecar: "busybox:1.36"), "pinned");
        var stored = await admin.CoreV1.ReadNamespacedPodAsync("web", "pinned");
        stored.Spec.Containers.Select(c => c.Image).Should().Equal(pinnedImage, "busybox:1.36");
        stored.Spec.InitContainers.Single().Image.Should().Be(pinnedImage);
        created.Metadata.Uid.Should().Be(stored.Metadata.Uid);
        (await admin.CoreV1.CreateNamespacedPodAsync(Pod("again", pinnedImage), "pinned")).Spec.Containers[0].Image.Should().Be(pinnedImage, "a pinned Pod passes unchanged");

        // Templates are never touched: GitOps tools see no diff.
        var deployment = await admin.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", $"{repository}:1"), "pinned");
        deployment.Spec.Template.Spec.Containers[0].Image.Should().Be($"{repository}:1");

        // Enforce: a tag alone is refused with the container, the image and the digest expected.
        var refused = await FluentActions.Awaiting(() => admin.CoreV1.CreateNamespacedPodAsync(Pod("web", $"{repository}:1"), "enforced")).Should().ThrowAsync<HttpOperationException>();
        refused.Which.Response.Content.Should().Contain("denied the request").And.Contain("container \\\"app\\\"").And.Contain($"{repository}:1").And.Contain($"expected {digest}");
        var kubectl = await api.KubectlAsync(["run", "web", "-n", "enforced", $"--image={repository}:2", "--restart=Never", "--overrides={\"spec\":{\"automountServiceAccountToken\":false}}"]);
        kubectl.ExitCode.Should().NotBe(0);
        kubectl.StandardError.Should().Contain("enforce.longshore.io").And.Contain($"expected {digest}");
        (await admin.CoreV1.CreateNamespacedPodAsync(Pod("web", pinnedImage), "enforced")).Spec.Containers[0].Image.Should().Be(pinnedImage, "Enforce refuses, never rewrites");

        // A namespace without policies: unlabelled, so the API server never calls the operator for it.
        (await admin.CoreV1.CreateNamespacedPodAsync(Pod("web", $"{repository}:1"), "plain")).Spec.Containers[0].Image.Should().Be($"{repository}:1");

        // Deleting the Enforce policy removes the label, and with it the webhook call.
        await policies.DeleteAsync("enforced", "web");
        await Eventually(async () => Label(await admin.CoreV1.ReadNamespaceAsync("enforced"), NamespacePolicyLabels.Enforce) is null ? "unlabelled" : null, "the label goes with the last Enforce policy");
        (await admin.CoreV1.CreateNamespacedPodAsync(Pod("free", $"{repository}:1"), "enforced")).Spec.Containers[0].Image.Should().Be($"{repository}:1");

        // The operator's own heartbeat gauge, under the exact name the alert rule uses.
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        await nodeImages.CreateAsync(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "node-a" } });
        await nodeImages.PatchStatusAsync(null, "node-a", new { status = new { heartbeatTime = new DateTime(2026, 12, 2, 14, 0, 0, DateTimeKind.Utc) } });
        var metrics = await Eventually(
            async () => await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)) is { } text && text.Contains("longshore_nodeimage_heartbeat_timestamp_seconds{", StringComparison.Ordinal) ? text : null,
            "the heartbeat is exported");
        var sample = Regex.Match(metrics, @"(?m)^longshore_nodeimage_heartbeat_timestamp_seconds\{[^}]*node=""node-a""[^}]*\} (\S+)");
        sample.Success.Should().BeTrue(metrics);
        double.Parse(sample.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().Be(1796220000);
        await app.StopAsync();
    }

    internal static async Task BindAsync(IKubernetes admin)
    {
        var subject = OperatorInstall.User("operator");
        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "longshore-operator-webhook-test" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "longshore-operator" },
            Subjects = [subject],
        });
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = "longshore-operator-webhook-test" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "longshore-operator" },
                Subjects = [subject],
            },
            OperatorInstall.Namespace);
    }

    private static Task CreatePolicyAsync(CustomResourceClient<V1Alpha1ImagePolicy> policies, string ns, string mode, string repository) =>
        policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
            Spec = new ImagePolicySpec { Mode = mode, Images = [new PolicyImage { Repository = repository, Tag = "1" }] },
        });

    private static string? Label(V1Namespace ns, string key) => ns.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    private static V1Pod Pod(string name, string image, string? init = null, string? sidecar = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            // No token controller runs here to mint one.
            AutomountServiceAccountToken = false,
            InitContainers = init is null ? null : [new V1Container { Name = "init", Image = init }],
            Containers = sidecar is null
                ? [new V1Container { Name = "app", Image = image }]
                : [new V1Container { Name = "app", Image = image }, new V1Container { Name = "sidecar", Image = sidecar }],
        },
    };

    private static V1Deployment Deployment(string name, string image) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
            },
        },
    };
}
