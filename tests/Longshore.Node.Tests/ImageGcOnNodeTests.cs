using Longshore.TestBed;

namespace Longshore.Node.Tests;

/// <summary>
/// kubelet 1.20 ignores containerd's pin label (CRI's Image.pinned arrived in containerd 1.6.22/1.7.3, and kubelet
/// honours it from 1.23): its image GC removes pinned images, and Longshore's protection is the agent's prompt re-pull.
/// </summary>
public sealed class ImageGcOnNodeTests(ImageGcNodeFixture cluster) : IClassFixture<ImageGcNodeFixture>
{
    [Fact]
    public async Task Kubelet_image_GC_removes_a_pinned_image_and_the_agent_pulls_it_back_within_seconds()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        var (image, reference) = await Workloads.PublishAppAsync(node, "gc/app:1", "kept");
        await LongshoreOnNode.PrePullAsync(node, "keep", reference);
        (await longshore.Runtime.ImageStatusAsync(reference)).Should().Match<Runtime.RuntimeImage>(i => i.Pinned);
        var labels = (await node.CtrAsync(["images", "ls"])).EnsureSuccess().StandardOutput;
        labels.Split('\n').Single(l => l.StartsWith(reference + " ", StringComparison.Ordinal)).Should().Contain("io.cri-containerd.pinned=pinned");

        // Watch containerd's image deletions from here, so a removal that is undone quickly is still seen.
        await using var watcher = new Runtime.CriImageRuntime(node.ContainerdSocket);
        using var watching = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var removed = Task.Run(async () =>
        {
            await foreach (var name in watcher.RemovedImagesAsync(watching.Token))
            {
                if (name == reference)
                {
                    return DateTime.UtcNow;
                }
            }

            return DateTime.MinValue;
        });
        await Task.Delay(500);

        // kubelet runs image GC as it starts; with these thresholds it frees all it may, the pin notwithstanding.
        await node.RestartKubeletAsync();
        var removedAt = await removed.WaitAsync(TimeSpan.FromSeconds(90));
        removedAt.Should().NotBe(DateTime.MinValue);

        var back = await Poll.UntilAsync(
            async () => await longshore.Runtime.ImageStatusAsync(reference) is { Pinned: true } i ? i : null,
            "the agent pulls the collected image back and pins it",
            seconds: 30,
            intervalMilliseconds: 100);
        back.Id.Should().Be(image.ConfigDigest.ToString());
        (DateTime.UtcNow - removedAt).Should().BeLessThan(TimeSpan.FromSeconds(30));
    }
}
