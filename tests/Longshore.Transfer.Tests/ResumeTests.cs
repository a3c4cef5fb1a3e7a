using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;
using Xunit.Abstractions;

namespace Longshore.Transfer.Tests;

/// <summary>
/// Pulls through a real registry behind a fault-injecting proxy: a cut connection continues where it broke, a pull
/// abandoned mid-layer leaves its bytes for the next one, and a layer two pulls share survives one of them leaving.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class ResumeTests(RegistryFixture registry, ITestOutputHelper output)
{
    [Fact]
    public async Task A_connection_cut_at_half_of_a_100_MB_layer_costs_about_one_layer_of_transfer()
    {
        var image = new TestImageBuilder().WithRandomLayer(100_000_000, 70).Build();
        var layer = image.Layers[0];
        await Skopeo.PublishAsync(image, registry.Server, "resume/cut:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.CutBody) { PathContains = layer.Digest.Hex, Method = "GET", Times = 1, BodyBytes = layer.Size / 2 });
        using var scope = new TransferScope();

        var result = await scope.PullAsync(proxy.Reference("resume/cut:1"));

        result.ImageId.Should().Be(image.ConfigDigest);
        proxy.Faulted.Should().Be(1, "the connection was cut once");
        var transferred = proxy.BodyBytesForwarded;
        output.WriteLine($"RESUME cut at 50%: {transferred} bytes from the registry for a layer of {layer.Size} bytes ({(double)transferred / layer.Size:0.000}x)");
        transferred.Should().BeGreaterThanOrEqualTo(layer.Size).And.BeLessThan(layer.Size + (64 * 1024), "only the missing half is asked for again (plus manifest and config)");
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        Directory.EnumerateFileSystemEntries(Path.Combine(scope.Root, "ingest")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_pull_cancelled_mid_layer_leaves_its_bytes_and_the_next_pull_fetches_only_the_rest()
    {
        var image = new TestImageBuilder().WithRandomLayer(6_000_000, 71).Build();
        var layer = image.Layers[0];
        await Skopeo.PublishAsync(image, registry.Server, "resume/cancel:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var scope = new TransferScope();
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Layer == layer.Digest && p.Status == LayerPullStatus.Downloading && p.Current >= layer.Size / 2)
            {
                cancel.Cancel();
            }
        });

        var first = () => scope.PullAsync(proxy.Reference("resume/cancel:1"), progress: progress, cancellationToken: cancel.Token);
        await first.Should().ThrowAsync<OperationCanceledException>();
        scope.Reopen();
        var partial = new FileInfo(Path.Combine(scope.Root, "ingest", layer.Digest.Hex + ".partial"));
        partial.Exists.Should().BeTrue("an abandoned download stays for the next pull");
        var kept = partial.Length;
        kept.Should().BeGreaterThan(layer.Size / 3);
        var before = proxy.BodyBytesForwarded;

        var result = await scope.PullAsync(proxy.Reference("resume/cancel:1"));

        result.ImageId.Should().Be(image.ConfigDigest);
        var second = proxy.BodyBytesForwarded - before;
        output.WriteLine($"RESUME after cancel: kept {kept} of {layer.Size} bytes, the next pull transferred {second}");
        second.Should().BeGreaterThanOrEqualTo(layer.Size - kept).And.BeLessThan(layer.Size - kept + (64 * 1024));
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        (await scope.Store.ReadBlobAsync(layer.Digest)).Should().Equal(layer.Content);
    }

    [Fact]
    public async Task When_the_first_of_two_pulls_sharing_a_layer_is_cancelled_the_download_carries_on_for_the_second()
    {
        var shared = new TestImageBuilder().WithRandomLayer(3_000_000, 72).Build().Layers[0];
        var first = new TestImageBuilder().WithSharedLayer(shared).WithFile("app", "first").Build();
        var second = new TestImageBuilder().WithSharedLayer(shared).WithFile("app", "second").Build();
        await Skopeo.PublishAsync(first, registry.Server, "resume/shared-a:1");
        await Skopeo.PublishAsync(second, registry.Server, "resume/shared-b:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        // The shared layer trickles in over seconds, long enough for both pulls to wait on it and one to leave.
        proxy.Inject(new ProxyFault(ProxyFaultKind.SlowDrip) { PathContains = shared.Digest.Hex, Method = "GET", BytesPerSecond = 1_000_000 });
        using var scope = new TransferScope();
        using var cancelFirst = new CancellationTokenSource();
        var secondWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondSaw = new List<long>();
        var firstProgress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Layer == shared.Digest && p.Status == LayerPullStatus.Downloading && p.Current > 0 && secondWaits.Task.IsCompleted)
            {
                cancelFirst.Cancel();
            }
        });
        var secondProgress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Layer == shared.Digest && p.Status == LayerPullStatus.Downloading)
            {
                lock (secondSaw)
                {
                    secondSaw.Add(p.Current);
                }

                secondWaits.TrySetResult();
            }
        });

        var firstPull = scope.PullAsync(proxy.Reference("resume/shared-a:1"), progress: firstProgress, cancellationToken: cancelFirst.Token);
        var secondPull = scope.PullAsync(proxy.Reference("resume/shared-b:1"), progress: secondProgress);

        await firstPull.Invoking(async t => await t).Should().ThrowAsync<OperationCanceledException>();
        var result = await secondPull;

        result.ImageId.Should().Be(second.ConfigDigest);
        proxy.Seen.Count(s => s.StartsWith("GET ", StringComparison.Ordinal) && s.Contains(shared.Digest.Hex, StringComparison.Ordinal))
            .Should().Be(1, "the download the first pull started went on for the second, neither started over nor continued with a new request");
        lock (secondSaw)
        {
            secondSaw.Should().BeInAscendingOrder().And.EndWith(shared.Size);
        }

        scope.Store.List().Select(r => r.ImageId).Should().Equal(second.ConfigDigest);
        (await scope.Store.ReadBlobAsync(shared.Digest)).Should().Equal(shared.Content);
    }
}
