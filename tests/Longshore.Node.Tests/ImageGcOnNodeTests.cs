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

        // Watch containerd's image deletions from the start: kubelet collects the image seconds after it arrives, and
        // the agent undoes that quickly.
        await using var watcher = new Runtime.CriImageRuntime(node.ContainerdSocket);
        using var watching = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var removals = new List<DateTime>();
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var name in watcher.RemovedImagesAsync(watching.Token))
                {
                    if (name == reference)
                    {
                        lock (removals)
                        {
                            removals.Add(DateTime.UtcNow);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Runtime.RuntimeException) when (watching.IsCancellationRequested)
            {
            }
        });
        await Task.Delay(500);

        await LongshoreOnNode.PrePullAsync(node, "keep", reference);
        var labels = (await node.CtrAsync(["images", "ls"])).EnsureSuccess().StandardOutput;
        labels.Split('\n').Should().Contain(l => l.StartsWith(reference + " ", StringComparison.Ordinal) && l.Contains("io.cri-containerd.pinned=pinned", StringComparison.Ordinal));

        // kubelet removes it although it is pinned ...
        try
        {
            await Poll.UntilAsync(() => Snapshot(removals).Count > 0, "kubelet's image GC removes the pinned image", seconds: 90, intervalMilliseconds: 100);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; kubelet said:\n{node.KubeletOutput}", e);
        }

        var removedAt = Snapshot(removals)[0];

        // ... and the agent, told by containerd's event, pulls and pins it again within seconds.
        var back = await Poll.UntilAsync(
            async () => await longshore.Runtime.ImageStatusAsync(reference) is { Pinned: true } i ? i : null,
            "the agent pulls the collected image back and pins it",
            seconds: 30,
            intervalMilliseconds: 100);
        var backAt = DateTime.UtcNow;
        back.Id.Should().Be(image.ConfigDigest.ToString());
        (backAt - removedAt).Should().BeLessThan(TimeSpan.FromSeconds(15));
        await watching.CancelAsync();
        await watch;
    }

    private static List<DateTime> Snapshot(List<DateTime> removals)
    {
        lock (removals)
        {
            return [.. removals];
        }
    }
}
