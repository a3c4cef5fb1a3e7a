using k8s;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>ImagePrePull end to end on a real node: kubelet finds the image already there and starts Pods without pulling.</summary>
public sealed class PrePullOnNodeTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task A_prepulled_image_starts_Pods_without_a_pull_and_the_agent_sees_what_runs()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        var (image, reference) = await Workloads.PublishAppAsync(node, "prepull/app:1", "prepulled");
        (await longshore.Runtime.ImageStatusAsync(reference)).Should().BeNull("the node has never seen the image");

        await LongshoreOnNode.PrePullAsync(node, "warm", reference);
        var pulled = await longshore.Runtime.ImageStatusAsync(reference);
        pulled.Should().NotBeNull();
        pulled!.Pinned.Should().BeTrue();
        pulled.Id.Should().Be(image.ConfigDigest.ToString());

        await Workloads.CreateNamespaceAsync(node, "shop");
        await Workloads.ApplyAsync(node, Workloads.Deployment("shop", "shop", reference, replicas: 2));
        var pods = await Workloads.WaitRunningAsync(node, "shop", "app=shop", 2);

        // kubelet's own word: the image was already on the node, and it pulled nothing.
        using var admin = cluster.Api.CreateClient();
        var events = (await admin.CoreV1.ListNamespacedEventAsync("shop")).Items.Where(e => e.InvolvedObject.Kind == "Pod").ToList();
        var pulledEvents = events.Where(e => e.Reason == "Pulled").ToList();
        pulledEvents.Should().HaveCount(2).And.OnlyContain(e => e.Message.Contains("already present on machine", StringComparison.Ordinal));
        events.Should().NotContain(e => e.Reason == "Pulling");
        pods.Should().OnlyContain(p => p.Status.ContainerStatuses.Single().ImageID == $"{node.Registry.Host}/prepull/app@{image.ManifestDigest}");

        // The agent's view of images in use is exactly the images of containerd's containers: the running containers'
        // (from CRI) and the sandbox (pause) image every Pod runs, which CRI lists as no container.
        var inUse = await longshore.Runtime.InUseImageIdsAsync();
        var ctrContainers = (await node.CtrAsync(["containers", "ls"])).EnsureSuccess().StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        ctrContainers.Should().HaveCount(4, "two Pods, each a sandbox and one container");
        var containerImages = new HashSet<string>();
        foreach (var name in ctrContainers.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Distinct())
        {
            containerImages.Add((await longshore.Runtime.ImageStatusAsync(name))!.Id);
        }

        containerImages.Should().HaveCount(2).And.Contain(image.ConfigDigest.ToString());
        inUse.Should().BeEquivalentTo(containerImages);

        // The Pods keep running; deleting the ImagePrePull only unpins the image.
        (await cluster.Api.KubectlAsync(["delete", "imageprepull", "warm", "-n", "default", "--timeout=60s"])).EnsureSuccess();
        await Poll.UntilAsync(async () => await longshore.Runtime.ImageStatusAsync(reference) is { Pinned: false } ? "unpinned" : null, "the agent unpins the image", seconds: 60, intervalMilliseconds: 200);
        (await Workloads.WaitRunningAsync(node, "shop", "app=shop", 2)).Select(p => p.Metadata.Uid).Should().BeEquivalentTo(pods.Select(p => p.Metadata.Uid));
        (await cluster.Api.KubectlAsync(["delete", "namespace", "shop", "--wait=false"])).EnsureSuccess();
    }
}
