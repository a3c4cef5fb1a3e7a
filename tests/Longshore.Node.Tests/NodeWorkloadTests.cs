using k8s;
using Longshore.TestBed;
using Longshore.Testing;
using Xunit.Abstractions;

namespace Longshore.Node.Tests;

/// <summary>The real node does what a cluster does: registers Ready, runs Deployments and DaemonSets, serves logs and exec.</summary>
public sealed class NodeWorkloadTests(KubeNodeFixture cluster, ITestOutputHelper output) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task Node_registers_Ready_at_its_own_address()
    {
        using var admin = cluster.Api.CreateClient();
        var node = await admin.CoreV1.ReadNodeAsync(cluster.NodeName);
        node.Status.Conditions.Should().Contain(c => c.Type == "Ready" && c.Status == "True");
        node.Status.Addresses.Should().Contain(a => a.Type == "InternalIP" && a.Address == cluster.Node.Namespace.Address);
        node.Status.NodeInfo.KubeletVersion.Should().Be("v1.20.2");
        node.Status.NodeInfo.ContainerRuntimeVersion.Should().StartWith("containerd://");
        output.WriteLine($"node {cluster.NodeName} at {cluster.Node.Namespace.Address} Ready {cluster.Node.StartupTime.TotalSeconds:F1} s after start; resident memory {cluster.Node.ResidentBytes() / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task Deployment_and_DaemonSet_run_with_logs_exec_and_the_registry_digest_as_imageID()
    {
        var node = cluster.Node;
        var (image, reference) = await Workloads.PublishAppAsync(node, "node/app:1", "v1");
        await Workloads.CreateNamespaceAsync(node, "work");
        await Workloads.ApplyAsync(node, Workloads.Deployment("web", "work", reference, replicas: 2));
        await Workloads.ApplyAsync(node, Workloads.DaemonSet("agentlike", "work", reference));

        var web = await Workloads.WaitRunningAsync(node, "work", "app=web", 2);
        var daemons = await Workloads.WaitRunningAsync(node, "work", "app=agentlike", 1);
        web.Concat(daemons).Should().OnlyContain(p => p.Spec.NodeName == cluster.NodeName);
        web.Select(p => p.Status.PodIP).Should().OnlyHaveUniqueItems().And.OnlyContain(ip => ip.StartsWith("100.96.", StringComparison.Ordinal));

        // kubelet reports the image by the registry's manifest digest.
        foreach (var pod in web.Concat(daemons))
        {
            pod.Status.ContainerStatuses.Single().ImageID.Should().Be($"{node.Registry.Host}/node/app@{image.ManifestDigest}");
        }

        var logs = await Poll.UntilAsync(
            async () => (await cluster.Api.KubectlAsync(["logs", "-n", "work", web[0].Metadata.Name])) is { ExitCode: 0 } r && r.StandardOutput.Contains("started", StringComparison.Ordinal) ? r.StandardOutput : null,
            "the Pod's log",
            seconds: 30);
        logs.Trim().Should().Be("started v1");
        (await cluster.Api.KubectlAsync(["logs", "-n", "work", daemons[0].Metadata.Name])).EnsureSuccess().StandardOutput.Trim().Should().Be($"daemon on {cluster.NodeName}");

        var exec = (await cluster.Api.KubectlAsync(["exec", "-n", "work", web[1].Metadata.Name, "--", "/bin/busybox", "cat", "/srv/app"])).EnsureSuccess();
        exec.StandardOutput.Should().Be("v1");
        var hostname = (await cluster.Api.KubectlAsync(["exec", "-n", "work", web[1].Metadata.Name, "--", "/bin/busybox", "hostname"])).EnsureSuccess();
        hostname.StandardOutput.Trim().Should().Be(web[1].Metadata.Name);

        (await cluster.Api.KubectlAsync(["delete", "namespace", "work", "--wait=false"])).EnsureSuccess();
    }

    [Fact]
    public async Task ImagePolicy_reads_the_digest_kubelet_runs_and_reports_the_Pod_off_digest_once_the_tag_moves()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        var (v1, reference) = await Workloads.PublishAppAsync(node, "policy/app:stable", "v1");
        await Workloads.CreateNamespaceAsync(node, "pinned");
        await Workloads.ApplyAsync(node, Workloads.Deployment("web", "pinned", reference, replicas: 1));
        var pod = (await Workloads.WaitRunningAsync(node, "pinned", "app=web", 1)).Single();

        var repository = $"{node.Registry.Host}/policy/app";
        await Workloads.ApplyAsync(node, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {{name: pins, namespace: pinned}}\nspec:\n  images: [{{repository: \"{repository}\", tag: stable}}]\n  ensureOnNodes: true\n");
        using var admin = cluster.Api.CreateClient();
        var policies = new Longshore.Kube.CustomResourceClient<Longshore.Api.V1Alpha1ImagePolicy>(admin);
        async Task<Longshore.Api.V1Alpha1ImagePolicy?> When(Func<Longshore.Api.V1Alpha1ImagePolicy, bool> condition) =>
            await policies.GetAsync("pinned", "pins") is { } p && condition(p) ? p : null;
        await Poll.UntilAsync(() => When(p => p.Status?.Locks?[0].Digest == v1.ManifestDigest.ToString() && p.Status.Drift is { PodsOffDigest: 0, NodesMissing: 0 }), "the policy locks the digest the Pod runs, and the agent has it pinned", 60, 200);
        (await longshore.Runtime.ImageStatusAsync($"{repository}@{v1.ManifestDigest}"))!.Pinned.Should().BeTrue();

        // The tag moves; the running Pod still runs v1, as kubelet's imageID says.
        var (v2, _) = await Workloads.PublishAppAsync(node, "policy/app:stable", "v2");
        await policies.PatchAsync("pinned", "pins", new { metadata = new { annotations = new Dictionary<string, string> { [Longshore.Operator.PolicyRefresh.Annotation] = "moved" } } });
        var drifted = await Poll.UntilAsync(() => When(p => p.Status?.Locks?[0].Digest == v2.ManifestDigest.ToString() && p.Status.Drift?.PodsOffDigest == 1), "the Pod on the old digest is drift", 60, 200);
        drifted.Status!.Pods!.Single().Should().BeEquivalentTo(new Longshore.Api.PodDrift { Pod = pod.Metadata.Name, Container = "main", Image = repository, Digest = v1.ManifestDigest.ToString() });
        await Poll.UntilAsync(() => When(p => p.Status?.Drift?.NodesMissing == 0 && p.Status.Locks?[0].Digest == v2.ManifestDigest.ToString()), "the agent pulls the new pinned digest", 60, 200);
        (await longshore.Runtime.ImageStatusAsync($"{repository}@{v2.ManifestDigest}"))!.Pinned.Should().BeTrue();

        (await cluster.Api.KubectlAsync(["delete", "namespace", "pinned", "--wait=false"])).EnsureSuccess();
    }

    [Fact]
    public async Task A_service_account_kubeconfig_acts_as_that_service_account()
    {
        var path = await cluster.ServiceAccountKubeconfigAsync("default", "reader");
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        var denied = () => client.CoreV1.ListNamespacedPodAsync("kube-system");
        (await denied.Should().ThrowAsync<k8s.Autorest.HttpOperationException>()).Which.Response.Content.Should().Contain("system:serviceaccount:default:reader");
    }
}
