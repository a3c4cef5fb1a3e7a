using System.Net;
using System.Text;
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

public sealed class OperatorEnvironment : IAsyncLifetime
{
    public KubeApiServer Api { get; private set; } = null!;

    public RegistryServer Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var api = KubeApiServer.StartAsync();
        var registry = RegistryServer.StartAsync();
        Api = await api;
        Registry = await registry;
        await Api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

/// <summary>
/// The operator against a real kube-apiserver and docker-registry, running with its own identity bound only by
/// config/rbac, while the test plays the agent's part by writing NodeImage status.
/// </summary>
public sealed class OperatorEndToEndTests(OperatorEnvironment environment) : IClassFixture<OperatorEnvironment>
{
    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60) => Poll.UntilAsync(probe, what, seconds, 100);

    [Fact]
    public async Task ImagePrePull_fans_out_aggregates_status_validates_and_cleans_up()
    {
        var api = environment.Api;
        using var admin = api.CreateClient();

        // Least privilege for real: the operator runs as a plain identity bound only to config/rbac's roles.
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } });
        await api.ApplyAsync(KubeApiServer.RepositoryFile("config/rbac"));
        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "longshore-operator-test-user" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "longshore-operator" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "operator", ApiGroup = "rbac.authorization.k8s.io" }],
        });
        await OperatorInstall.BindRoleAsync(admin, OperatorInstall.User("operator"), "longshore-operator");

        var web = new TestImageBuilder().WithFile("srv/web", "v1").Build();
        var sidecar = new TestImageBuilder().WithFile("srv/sidecar", "v1").Build();
        await Skopeo.PublishAsync(web, environment.Registry, "shop/web:1");
        await Skopeo.PublishAsync(sidecar, environment.Registry, "shop/sidecar:1");
        var webRef = environment.Registry.Reference("shop/web:1");
        var sidecarRef = environment.Registry.Reference("shop/sidecar:1");

        foreach (var (name, taint) in new[] { ("worker-1", (V1Taint?)null), ("worker-2", null), ("gpu-1", new V1Taint { Key = "gpu", Value = "true", Effect = "NoSchedule" }) })
        {
            await admin.CoreV1.CreateNodeAsync(new V1Node
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["pool"] = "web", ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64" } },
                Spec = new V1NodeSpec { Taints = taint is null ? null : [taint] },
            });
        }

        var dockerConfig = $"{{\"auths\":{{\"{environment.Registry.Host}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p"))}\"}}}}}}";
        await admin.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "shop-registry" }, Type = "kubernetes.io/dockerconfigjson", Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(dockerConfig) } },
            "default");

        var options = new OperatorOptions
        {
            Namespace = "longshore-system",
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaseDuration = TimeSpan.FromSeconds(5),
            Identity = "operator-test",
        };
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.MetricsPort}") };
        await Eventually(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode ? "ready" : null, "the operator is ready");

        // Register the webhook with the operator's certificate as the CA bundle.
        var certificate = app.Services.GetRequiredService<WebhookCertificate>();
        await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(new V1ValidatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = "longshore-test-webhook" },
            Webhooks =
            [
                new V1ValidatingWebhook
                {
                    Name = "validate.longshore.io",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = "Fail",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = $"https://127.0.0.1:{options.WebhookPort}/validate", CaBundle = Encoding.UTF8.GetBytes(certificate.CertificatePem) },
                    Rules = [new V1RuleWithOperations { ApiGroups = ["longshore.io"], ApiVersions = ["v1alpha1"], Operations = ["CREATE", "UPDATE"], Resources = ["imageprepulls", "imagepolicies", "imageprunes", "nodeimages"] }],
                },
            ],
        });

        using var scratch = TempDirectory.Create("longshore-e2e");
        var manifest = scratch.Combine("warm.yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: longshore.io/v1alpha1
            kind: ImagePrePull
            metadata:
              name: warm
              namespace: default
            spec:
              images: ["{webRef}", "{sidecarRef}"]
              nodeSelector:
                matchLabels: {"{"}pool: web{"}"}
              imagePullSecrets: [{"{"}name: shop-registry{"}"}]
              parallelism: 5
            """);
        // The webhook may need a moment before the API server can reach it.
        await Eventually(async () => (await api.KubectlAsync(["apply", "-f", manifest])).ExitCode == 0 ? "applied" : null, "the ImagePrePull is accepted", 30);

        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        foreach (var node in new[] { "worker-1", "worker-2" })
        {
            var wanted = await Eventually(
                async () => (await nodeImages.GetAsync(null, node)) is { } n && n.Spec.Images?.Count == 2 ? n : null,
                $"{node} wants both images");
            wanted.Spec.Images!.Single(i => i.Reference == webRef).Digest.Should().Be(web.ManifestDigest.ToString());
            wanted.Spec.Images!.Single(i => i.Reference == sidecarRef).Digest.Should().Be(sidecar.ManifestDigest.ToString());
            wanted.Spec.Images.Should().OnlyContain(i => i.Pin && i.Owners.Single().Name == "warm" && i.PullSecretRef!.Namespace == OperatorInstall.PullSecretNamespace);
            // Owned by its Node, so the cluster's garbage collector removes it with the node.
            var uid = (await admin.CoreV1.ReadNodeAsync(node)).Metadata.Uid;
            wanted.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "Node" && o.Name == node && o.Uid == uid);
        }

        (await nodeImages.GetAsync(null, "gpu-1")).Should().BeNull("a node whose NoSchedule taint is not tolerated is not a target");
        var copies = await admin.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace, labelSelector: $"{PullSecretMirror.CopyLabel}=true");
        var copied = Oci.DockerConfig.Parse(Encoding.UTF8.GetString(copies.Items.Should().ContainSingle().Which.Data[".dockerconfigjson"]));
        copied.Find(environment.Registry.Host).Should().Be(new Oci.RegistryCredential { Username = "u", Password = "p" });
        (await admin.CoreV1.ListNamespacedSecretAsync("longshore-system", labelSelector: $"{PullSecretMirror.CopyLabel}=true")).Items.Should().BeEmpty("copies never sit beside the webhook's key");

        // The operator may not write what the agents own.
        var forbidden = () => new CustomResourceClient<V1Alpha1NodeImage>(operatorClient).PatchStatusAsync(null, "worker-1", new { status = new { heartbeatTime = DateTime.UtcNow } });
        (await forbidden.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // Play the agents: one node has both images, the other fails one.
        await ReportAsync(nodeImages, "worker-1", ("Present", webRef, web.ManifestDigest.ToString(), null), ("Present", sidecarRef, sidecar.ManifestDigest.ToString(), null));
        await ReportAsync(nodeImages, "worker-2", ("Present", webRef, web.ManifestDigest.ToString(), null), ("Failed", sidecarRef, null, "unauthorized: authentication required"));
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        var degraded = await Eventually(
            async () => (await prePulls.GetAsync("default", "warm")) is { Status.FailedNodes: 1 } p ? p : null,
            "the failure shows in the ImagePrePull status");
        degraded.Status!.DesiredNodes.Should().Be(2);
        degraded.Status.ReadyNodes.Should().Be(1);
        degraded.Status.Failures!.Single().Reason.Should().Be("Unauthorized");
        Conditions.IsTrue(degraded.Status.Conditions, "Degraded").Should().BeTrue();
        KStatus.Read(degraded.Metadata.Generation, degraded.Status.ObservedGeneration, degraded.Status.Conditions).Should().Be(Progress.Failed, "a node that gave up stalls the object for GitOps tools");
        degraded.Status.Images!.Select(i => i.Platforms!.Single().Digest).Should().Equal(web.ManifestDigest.ToString(), sidecar.ManifestDigest.ToString());

        await ReportAsync(nodeImages, "worker-2", ("Present", webRef, web.ManifestDigest.ToString(), null), ("Present", sidecarRef, sidecar.ManifestDigest.ToString(), null));
        (await api.KubectlAsync(["wait", "--for=condition=Ready", "imageprepull/warm", "-n", "default", "--timeout=60s"])).EnsureSuccess();
        var ready = await prePulls.GetAsync("default", "warm");
        KStatus.Read(ready!.Metadata.Generation, ready.Status!.ObservedGeneration, ready.Status.Conditions).Should().Be(Progress.Current);
        await Eventually(async () => Regex.IsMatch(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)), @"longshore_imageprepull_ready_nodes\{[^}]*name=""warm""[^}]*\} 2\b") ? "exported" : null, "the leader exports warm's ready nodes");
        var table = (await api.KubectlAsync(["get", "ipp", "-n", "default"])).EnsureSuccess().StandardOutput;
        table.Should().MatchRegex(@"warm\s+2\s+2\s+0");
        var events = await admin.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=warm");
        events.Items.Select(e => e.Reason).Should().Contain(["PullFailed", "Ready"]);

        // Nodes joining and leaving the selection are followed.
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-3", Labels = new Dictionary<string, string> { ["pool"] = "web" } } });
        await Eventually(async () => (await nodeImages.GetAsync(null, "worker-3"))?.Spec.Images?.Count == 2 ? "wanted" : null, "a node that joins the pool gets the images");
        await admin.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"labels\":{\"pool\":\"db\"}}}", V1Patch.PatchType.MergePatch), "worker-3");
        await Eventually(async () => (await nodeImages.GetAsync(null, "worker-3"))?.Spec.Images is null or { Count: 0 } ? "dropped" : null, "a node that leaves the pool no longer wants them");

        // A node re-registered under the same name is a new owner: the NodeImage follows its UID.
        await admin.CoreV1.DeleteNodeAsync("worker-3");
        var reborn = await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-3", Labels = new Dictionary<string, string> { ["pool"] = "web" } } });
        await Eventually(
            async () => (await nodeImages.GetAsync(null, "worker-3")) is { Spec.Images.Count: 2 } n && n.Metadata.OwnerReferences?.SingleOrDefault()?.Uid == reborn.Metadata.Uid ? n : null,
            "the re-registered node owns its NodeImage and wants the images");
        await admin.CoreV1.DeleteNodeAsync("worker-3");

        // Bad objects are refused at admission with their field paths.
        var bad = scratch.Combine("bad.yaml");
        await File.WriteAllTextAsync(bad, "apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {name: bad, namespace: default}\nspec:\n  images: [Not/Valid:ref, app:1, docker.io/library/app:1]\n");
        var refused = await api.KubectlAsync(["apply", "-f", bad]);
        refused.ExitCode.Should().NotBe(0);
        refused.StandardError.Should().Contain("denied the request").And.Contain("spec.images[0]").And.Contain("spec.images[2]");
        var badPrune = scratch.Combine("bad-prune.yaml");
        await File.WriteAllTextAsync(badPrune, "apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata: {name: bad}\nspec:\n  schedule: '0 25 * * *'\n");
        (await api.KubectlAsync(["apply", "-f", badPrune])).StandardError.Should().Contain("spec.schedule: hour field '25'");
        var badPolicy = scratch.Combine("bad-policy.yaml");
        await File.WriteAllTextAsync(badPolicy, "apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: bad, namespace: default}\nspec:\n  images: [{repository: ghcr.io/org/app, semver: newest}]\n");
        (await api.KubectlAsync(["apply", "-f", badPolicy])).StandardError.Should().Contain("spec.images[0].semver");
        var badNode = scratch.Combine("bad-node.yaml");
        await File.WriteAllTextAsync(badNode, "apiVersion: longshore.io/v1alpha1\nkind: NodeImage\nmetadata: {name: bad}\nspec:\n  images: [{reference: app, digest: 'sha256:nothex', owners: [{kind: ImagePrePull, namespace: default, name: x}]}]\n");
        (await api.KubectlAsync(["apply", "-f", badNode])).StandardError.Should().Contain("spec.images[0].digest");
        var goodPrune = scratch.Combine("prune.yaml");
        await File.WriteAllTextAsync(goodPrune, "apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata: {name: nightly}\nspec:\n  schedule: '30 3 * * *'\n  timeZone: Europe/Berlin\n");
        (await api.KubectlAsync(["apply", "-f", goodPrune])).EnsureSuccess();
        var goodPolicy = scratch.Combine("policy.yaml");
        await File.WriteAllTextAsync(goodPolicy, "apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: ok, namespace: default}\nspec:\n  images: [{repository: ghcr.io/org/app, tag: v1}]\n");
        (await api.KubectlAsync(["apply", "-f", goodPolicy])).EnsureSuccess();

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        metrics.Should().Contain("longshore_reconcile_total").And.Contain("longshore_imageprepull_ready_nodes");
        metrics.Should().MatchRegex(@"longshore_imageprepull_desired_nodes\{[^}]*name=""warm""[^}]*\} 2\b");
        // Seconds-sized buckets: a reconcile of a few milliseconds no longer lands in the first of 0, 5, 10 ... 10000.
        metrics.Should().MatchRegex(@"longshore_reconcile_duration_seconds_bucket\{[^}]*le=""0.005""[^}]*\} \d+").And.MatchRegex(@"longshore_reconcile_duration_seconds_bucket\{[^}]*le=""60""[^}]*\} \d+");

        // Deleting removes its entries everywhere and the secret copy; the finalizer lets the object go.
        (await api.KubectlAsync(["delete", "imageprepull", "warm", "-n", "default", "--timeout=60s"])).EnsureSuccess();
        await Eventually(async () => (await nodeImages.GetAsync(null, "worker-1"))?.Spec.Images is null or { Count: 0 } ? "empty" : null, "worker-1 no longer wants the images");
        await Eventually(async () => (await admin.CoreV1.ListNamespacedSecretAsync(OperatorInstall.PullSecretNamespace, labelSelector: $"{PullSecretMirror.CopyLabel}=true")).Items.Count == 0 ? "gone" : null, "the secret copy is removed");
        await Eventually(async () => (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Contains("name=\"warm\"", StringComparison.Ordinal) ? null : "gone", "a deleted object's series are removed");
        await app.StopAsync();
    }

    private static async Task ReportAsync(CustomResourceClient<V1Alpha1NodeImage> nodeImages, string node, params (string Phase, string Reference, string? Digest, string? Message)[] images)
    {
        await nodeImages.PatchStatusAsync(null, node, new
        {
            status = new NodeImageStatus
            {
                Images = images.Select(i => new NodeImageEntryStatus { Reference = i.Reference, Phase = Enum.Parse<ImagePhase>(i.Phase), Reason = i.Phase == "Failed" && i.Message?.StartsWith("unauthorized", StringComparison.Ordinal) == true ? PullFailureReason.Unauthorized : null, Digest = i.Digest, Message = i.Message, Pinned = true }).ToList(),
                HeartbeatTime = DateTime.UtcNow,
            },
        });
    }
}
