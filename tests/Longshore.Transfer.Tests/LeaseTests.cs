using Longshore.LayerStore;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Transfer.Tests;

/// <summary>Garbage collection, recovery and repair running while a pull is in flight must not take the pull's blobs.</summary>
[Collection(RegistryCollection.Name)]
public sealed class LeaseTests(RegistryFixture registry)
{
    [Fact]
    public async Task Blobs_of_an_in_flight_pull_survive_recovery_repair_and_prune()
    {
        var image = new TestImageBuilder().WithRandomLayer(2_000_000, 70).WithRandomLayer(2_000_000, 71).Build();
        await Skopeo.PublishAsync(image, registry.Server, "transfer/leased:1");
        using var scope = new TransferScope();
        var collected = 0;
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            // Once the first layer is in place (not yet recorded by any image), collect as hard as the store can.
            if (p.Status == LayerPullStatus.DownloadComplete && Interlocked.Exchange(ref collected, 1) == 0)
            {
                using var other = ImageStore.Open(scope.Root);
                other.FsckAsync(repair: true).GetAwaiter().GetResult();
                other.Prune(other.PlanPrune(new PruneOptions { Mode = PruneMode.Unused }));
                File.Exists(Path.Combine(scope.Root, "blobs", "sha256", p.Layer.Hex)).Should().BeTrue("the lease keeps the layer");
            }
        });

        var result = await scope.PullAsync(registry.Server.Reference("transfer/leased:1"), progress: progress);

        collected.Should().Be(1);
        result.ImageId.Should().Be(image.ConfigDigest);
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        scope.Reopen();
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Fact]
    public async Task A_cancelled_pull_releases_its_lease_so_its_blobs_can_go()
    {
        var image = new TestImageBuilder().WithRandomLayer(6_000_000, 72).WithRandomLayer(6_000_000, 73).Build();
        await Skopeo.PublishAsync(image, registry.Server, "transfer/released:1");
        using var scope = new TransferScope();
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Status == LayerPullStatus.Downloading && p.Current > 0)
            {
                cancel.Cancel();
            }
        });

        var act = () => scope.PullAsync(registry.Server.Reference("transfer/released:1"), progress: progress, cancellationToken: cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        File.Exists(Path.Combine(scope.Root, "blobs", "sha256", image.ManifestDigest.Hex)).Should().BeTrue("the manifest was written before the layers");

        // Same process, so only a released lease lets recovery remove what the pull wrote.
        scope.Reopen();
        Directory.EnumerateFiles(Path.Combine(scope.Root, "blobs"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
