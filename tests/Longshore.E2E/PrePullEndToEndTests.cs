using System.Text;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Agent;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.E2E;

/// <summary>kubectl apply → operator → NodeImage → agent → containerd → status back, on real parts only.</summary>
public sealed class PrePullEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string NodeName = "e2e-node";

    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 90) => Poll.UntilAsync(probe, what, seconds, 200);

    [Fact]
    public async Task Images_land_in_containerd_pinned_recover_fail_clearly_and_unpin_on_delete()
    {
        var api = cluster.Api;
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["e2e"] = "yes" } } });
        var web = new TestImageBuilder().WithRandomLayer(300_000, 61).WithFile("srv/web", "1").Build();
        // The worker is multi-platform, as most published images are: the node pulls its own platform's manifest.
        var worker = new TestImageBuilder().WithRandomLayer(300_000, 62).WithFile("srv/worker", "1").Build();
        var workerArm = new TestImageBuilder().WithPlatform("linux/arm64").WithFile("srv/worker", "arm").Build();
        var workerIndex = new TestIndexBuilder().Add(worker).Add(workerArm).Build();
        var secret = new TestImageBuilder().WithFile("srv/secret", "1").Build();
        await Skopeo.PublishAsync(web, cluster.Registry, "e2e/web:1");
        await Skopeo.PublishAsync(workerIndex, cluster.Registry, "e2e/worker:1");
        await Skopeo.PublishAsync(secret, cluster.PrivateRegistry, "e2e/secret:1");
        var webRef = cluster.Registry.Reference("e2e/web:1");
        var workerRef = cluster.Registry.Reference("e2e/worker:1");
        var missingRef = cluster.Registry.Reference("e2e/missing:1");
        var secretRef = cluster.PrivateRegistry.Reference("e2e/secret:1");

        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        using var agentClient = api.CreateClient(api.Identities["agent"]);
        var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false, ResolveInterval = TimeSpan.FromSeconds(2) };
        await using var operatorApp = OperatorHost.Build(operatorOptions, operatorClient);
        await operatorApp.StartAsync();
        await using var runtime = new CriImageRuntime(cluster.Containerd.SocketPath);
        var agentOptions = new AgentOptions { NodeName = NodeName, Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), ResyncInterval = TimeSpan.FromMinutes(10) };
        await using var agentApp = AgentHost.Build(agentOptions, agentClient, runtime);
        await agentApp.StartAsync();

        using var scratch = TempDirectory.Create("longshore-e2e");
        async Task Apply(string name, string yaml)
        {
            var path = scratch.Combine(name + ".yaml");
            await File.WriteAllTextAsync(path, yaml);
            (await api.KubectlAsync(["apply", "-f", path])).EnsureSuccess();
        }

        // A wait that fails says what the objects looked like.
        async Task WaitReady(string name)
        {
            var wait = await api.KubectlAsync(["wait", "--for=condition=Ready", $"imageprepull/{name}", "-n", "default", "--timeout=100s"]);
            if (wait.ExitCode != 0)
            {
                var objects = await api.KubectlAsync(["get", "imageprepulls,nodeimages", "-A", "-o", "yaml"]);
                throw new TimeoutException($"imageprepull/{name} did not become Ready: {wait.StandardError}\n{objects.StandardOutput}");
            }
        }

        // 1. Two images reach containerd, pinned, and the ImagePrePull turns Ready with their digests.
        await Apply("warm", $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: warm, namespace: default}}\nspec:\n  images: [\"{webRef}\", \"{workerRef}\"]\n  nodeSelector: {{matchLabels: {{e2e: 'yes'}}}}\n");
        await WaitReady("warm");
        foreach (var reference in new[] { webRef, workerRef })
        {
            var image = await runtime.ImageStatusAsync(reference);
            image.Should().NotBeNull();
            image!.Pinned.Should().BeTrue();
        }

        var ctrImages = (await cluster.Containerd.CtrAsync(["images", "ls"])).EnsureSuccess().StandardOutput;
        ctrImages.Split('\n').Single(l => l.StartsWith(webRef + " ", StringComparison.Ordinal)).Should().Contain("io.cri-containerd.pinned=pinned");
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        var warm = (await prePulls.GetAsync("default", "warm"))!;
        warm.Status!.Images!.Select(i => i.Platforms!.Single().Digest).Should().Equal(web.ManifestDigest.ToString(), worker.ManifestDigest.ToString());
        warm.Status.Images!.Select(i => i.Digest).Should().Equal(web.ManifestDigest.ToString(), workerIndex.Digest.ToString());
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        var node = (await nodeImages.GetAsync(null, NodeName))!;
        node.Status!.Runtime!.Name.Should().Be("containerd");
        node.Status.Images!.Should().OnlyContain(i => i.Phase == ImagePhase.Present && i.Pinned);
        node.Status.Inventory!.ImageCount.Should().BeGreaterThanOrEqualTo(2);

        using (var http = new HttpClient())
        {
            var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{agentOptions.MetricsPort}/metrics"));
            metrics.Should().Contain("longshore_agent_pulls_total").And.Contain("longshore_agent_images_pinned");
            (await http.GetStringAsync(new Uri($"http://127.0.0.1:{agentOptions.MetricsPort}/readyz"))).Should().Be("ok");
        }

        // Images named by digest alone, and Docker-typed manifest lists, arrive too.
        var byDigest = new TestImageBuilder().WithFile("srv/digest", "1").Build();
        var dockerAmd = new TestImageBuilder().UseDockerMediaTypes().WithFile("srv/docker", "amd").Build();
        var dockerArm = new TestImageBuilder().UseDockerMediaTypes().WithPlatform("linux/arm64").WithFile("srv/docker", "arm").Build();
        var dockerList = new TestIndexBuilder().UseDockerMediaTypes().Add(dockerAmd).Add(dockerArm).Build();
        await Skopeo.PublishAsync(byDigest, cluster.Registry, "e2e/digest:1");
        await Skopeo.PublishAsync(dockerList, cluster.Registry, "e2e/docker:1");
        var digestRef = $"{cluster.Registry.Reference("e2e/digest")}@{byDigest.ManifestDigest}";
        var dockerRef = cluster.Registry.Reference("e2e/docker:1");
        await Apply("formats", $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: formats, namespace: default}}\nspec:\n  images: [\"{digestRef}\", \"{dockerRef}\"]\n  nodeSelector: {{matchLabels: {{e2e: 'yes'}}}}\n");
        await WaitReady("formats");
        (await runtime.ImageStatusAsync(digestRef))!.Id.Should().Be(byDigest.ConfigDigest.ToString());
        (await runtime.ImageStatusAsync(dockerRef))!.Id.Should().Be(dockerAmd.ConfigDigest.ToString(), "the node's own platform is pulled from the list");
        (await api.KubectlAsync(["delete", "imageprepull", "formats", "-n", "default", "--timeout=60s"])).EnsureSuccess();

        // 2. Removed behind the agent's back (as kubelet GC or crictl rmi would), the image comes back at once: the agent
        // hears of it from containerd's events (its resync here is far longer than this test's patience).
        (await cluster.Containerd.CtrAsync(["images", "rm", webRef])).EnsureSuccess();
        await Eventually(async () => await runtime.ImageStatusAsync(webRef) is { Pinned: true } ? "back" : null, "the agent pulls the removed image again", seconds: 30);
        await Eventually(async () => (await prePulls.GetAsync("default", "warm")) is { Status.ReadyNodes: 1 } ? "ready" : null, "the status recovers");

        // A tag that moves in the registry is followed: the node pulls the new image, pins it and releases the old one.
        var webV2 = new TestImageBuilder().WithRandomLayer(300_000, 63).WithFile("srv/web", "2").Build();
        await Skopeo.PublishAsync(webV2, cluster.Registry, "e2e/web:1");
        await Eventually(async () => await runtime.ImageStatusAsync(webRef) is { Pinned: true } i && i.Id == webV2.ConfigDigest.ToString() ? "moved" : null, "the node follows the moved tag", seconds: 60);
        await Eventually(
            async () => (await prePulls.GetAsync("default", "warm")) is { Status.ReadyNodes: 1 } p && p.Status.Images![0].Digest == webV2.ManifestDigest.ToString() ? "ready" : null,
            "the status shows the new digest and the node ready");
        // The new image is reported as soon as it is pulled and pinned; the old one is released on the agent's next pass.
        var leftRef = $"{cluster.Registry.Reference("e2e/web")}@{web.ManifestDigest}";
        await Eventually(async () => await runtime.ImageStatusAsync(leftRef) is { Pinned: false } ? "released" : null, "the image the tag left is released to kubelet's garbage collection", seconds: 20);
        (await runtime.ImageStatusAsync(leftRef)).Should().NotBeNull("the old image stays until something prunes it");

        // 3. A missing image and a private image without credentials fail with clear reasons.
        await Apply("broken", $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: broken, namespace: default}}\nspec:\n  images: [\"{missingRef}\", \"{secretRef}\"]\n  nodeSelector: {{matchLabels: {{e2e: 'yes'}}}}\n  backoffLimit: 1\n");
        var broken = await Eventually(
            async () => (await prePulls.GetAsync("default", "broken")) is { Status.FailedNodes: 1 } p ? p : null,
            "the broken ImagePrePull reports the failed node");
        Conditions.IsTrue(broken.Status!.Conditions, "Degraded").Should().BeTrue();
        var failures = await Eventually(
            async () => (await nodeImages.GetAsync(null, NodeName))?.Status?.Images is { } images && images.Count(i => i.Phase == ImagePhase.Failed) == 2 ? images : null,
            "both broken images end Failed in NodeImage status");
        failures.Single(i => i.Reference == missingRef).Message.Should().Contain("not found");
        failures.Single(i => i.Reference == missingRef).Reason.Should().Be(PullFailureReason.NotFound, "containerd reports an unknown tag as gRPC NotFound");
        // containerd 1.6 reports the registry's 401 as gRPC Unknown: only the message tells it, so only the message is checked.
        failures.Single(i => i.Reference == secretRef).Message.Should().Contain("401");
        var events = await admin.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=broken");
        events.Items.Should().Contain(e => e.Type == "Warning");

        // A pull that outlives pullTimeout fails saying so.
        var slow = new TestImageBuilder().WithRandomLayer(20_000_000, 64).Build();
        await Skopeo.PublishAsync(slow, cluster.Registry, "e2e/slow:1");
        var slowRef = cluster.Registry.Reference("e2e/slow:1");
        await Apply("slow", $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: slow, namespace: default}}\nspec:\n  images: [\"{slowRef}\"]\n  nodeSelector: {{matchLabels: {{e2e: 'yes'}}}}\n  pullTimeout: 1ms\n  backoffLimit: 0\n");
        var timedOut = await Eventually(
            async () => (await nodeImages.GetAsync(null, NodeName))?.Status?.Images?.FirstOrDefault(i => i.Reference == slowRef && i.Phase == ImagePhase.Failed),
            "the slow pull fails on its timeout");
        timedOut.Message.Should().Be("pull did not finish within pullTimeout 1ms");
        timedOut.Reason.Should().Be(PullFailureReason.Timeout);
        (await api.KubectlAsync(["delete", "imageprepull", "slow", "-n", "default", "--timeout=60s"])).EnsureSuccess();

        // ... and with credentials (a Secret the object references) the private image is pulled.
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AuthRegistryFixture.Username}:{AuthRegistryFixture.Password}"));
        await admin.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "private-registry" },
                Type = "kubernetes.io/dockerconfigjson",
                Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes($"{{\"auths\":{{\"{cluster.PrivateRegistry.Host}\":{{\"auth\":\"{auth}\"}}}}}}") },
            },
            "default");
        await Apply("private", $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: private, namespace: default}}\nspec:\n  images: [\"{secretRef}\"]\n  nodeSelector: {{matchLabels: {{e2e: 'yes'}}}}\n  imagePullSecrets: [{{name: private-registry}}]\n");
        await WaitReady("private");
        (await runtime.ImageStatusAsync(secretRef)).Should().NotBeNull();

        // 4. Deleting the ImagePrePull unpins its images (they stay: pruning is separate) and the NodeImage stops wanting them.
        (await api.KubectlAsync(["delete", "imageprepull", "warm", "-n", "default", "--timeout=60s"])).EnsureSuccess();
        await Eventually(async () => (await nodeImages.GetAsync(null, NodeName))?.Spec.Images?.Any(i => i.Reference == webRef) == false ? "gone" : null, "the NodeImage no longer wants the images");
        await Eventually(async () => await runtime.ImageStatusAsync(webRef) is { Pinned: false } ? "unpinned" : null, "the agent unpins the images");
        (await runtime.ImageStatusAsync(workerRef)).Should().NotBeNull("deleting an ImagePrePull does not remove images");

        // The agent may write status only.
        var agentNodeImages = new CustomResourceClient<V1Alpha1NodeImage>(agentClient);
        var specWrite = () => agentNodeImages.PatchAsync(null, NodeName, new { spec = new { images = Array.Empty<object>() } });
        (await specWrite.Should().ThrowAsync<k8s.Autorest.HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);

        await agentApp.StopAsync();
        await operatorApp.StopAsync();
    }
}
