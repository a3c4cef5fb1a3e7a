using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Transfer.Tests;

[Collection(RegistryCollection.Name)]
public sealed class PullTests(RegistryFixture registry)
{
    [Fact]
    public async Task Pull_by_tag_stores_the_image_with_docker_identities()
    {
        var image = new TestImageBuilder().WithFile("etc/os", "test").WithRandomLayer(50_000, 1).WithLabel("team", "core").Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/pull:1");
        using var scope = new TransferScope();

        var result = await scope.PullAsync(registry.Server.Reference("store/pull:1"));

        result.ImageId.Should().Be(image.ConfigDigest);
        result.RepoDigest.Should().Be(image.ManifestDigest);
        result.LayersDownloaded.Should().Be(2);
        result.ImageWasNew.Should().BeTrue();
        var details = scope.Store.Inspect(registry.Server.Reference("store/pull:1"));
        details.Id.Should().Be(image.ConfigDigest.ToString());
        details.RepoTags.Should().Equal(registry.Server.Reference("store/pull:1"));
        details.RepoDigests.Should().Equal($"{registry.Server.Reference("store/pull")}@{image.ManifestDigest}");
        details.RootFS.Layers.Should().Equal(image.Layers.Select(l => l.DiffId.ToString()));
        details.Os.Should().Be("linux");
        details.Architecture.Should().Be("amd64");
        details.Config!.Labels.Should().Contain("team", "core");
        details.Size.Should().Be(image.TotalSize);
        foreach (var layer in image.Layers)
        {
            File.Exists(Path.Combine(scope.Root, "blobs", "sha256", layer.Digest.Hex)).Should().BeTrue();
        }

        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Fact]
    public async Task Second_pull_downloads_nothing()
    {
        var image = new TestImageBuilder().WithRandomLayer(30_000, 2).WithRandomLayer(30_000, 3).Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/again:1");
        using var scope = new TransferScope();
        await scope.PullAsync(registry.Server.Reference("store/again:1"));
        var statuses = new List<PullProgress>();

        var again = await scope.PullAsync(registry.Server.Reference("store/again:1"), progress: new SynchronousProgress<PullProgress>(statuses.Add));

        again.LayersDownloaded.Should().Be(0);
        again.LayersAlreadyPresent.Should().Be(2);
        again.ImageWasNew.Should().BeFalse();
        statuses.Where(s => s.Status == LayerPullStatus.AlreadyExists).Select(s => s.Layer).Should().BeEquivalentTo(image.Layers.Select(l => l.Digest));
        statuses.Should().NotContain(s => s.Status == LayerPullStatus.Downloading);
    }

    [Fact]
    public async Task Progress_of_each_layer_arrives_in_order_and_before_the_pull_returns()
    {
        var image = new TestImageBuilder().WithRandomLayer(3_000_000, 4).WithRandomLayer(3_000_000, 5).Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/progress:1");
        using var scope = new TransferScope();
        var statuses = new List<PullProgress>();
        var returned = false;
        var lateReports = 0;

        await scope.PullAsync(registry.Server.Reference("store/progress:1"), progress: new SynchronousProgress<PullProgress>(p =>
        {
            lateReports += returned ? 1 : 0;
            statuses.Add(p);
        }));
        returned = true;
        await Task.Delay(200);

        lateReports.Should().Be(0);
        foreach (var layer in image.Layers)
        {
            var ofLayer = statuses.Where(s => s.Layer == layer.Digest).Select(s => s.Status).ToList();
            ofLayer.Should().Contain(LayerPullStatus.Verifying);
            ofLayer.SkipWhile(s => s != LayerPullStatus.Verifying).Should().NotContain(LayerPullStatus.Downloading, "bytes are reported before the layer is verified");
        }
    }

    [Fact]
    public async Task Pull_by_digest_adds_no_tag()
    {
        var image = new TestImageBuilder().WithFile("digest", "only").Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/bydigest:1");
        using var scope = new TransferScope();

        await scope.PullAsync(registry.Server.Reference($"store/bydigest@{image.ManifestDigest}"));

        var details = scope.Store.Inspect(image.ConfigDigest.ToString());
        details.RepoTags.Should().BeEmpty();
        details.RepoDigests.Should().ContainSingle().Which.Should().EndWith(image.ManifestDigest.ToString());
        scope.Store.Inspect(registry.Server.Reference($"store/bydigest@{image.ManifestDigest}")).Id.Should().Be(image.ConfigDigest.ToString());
    }

    [Fact]
    public async Task Index_pull_takes_the_platform_and_records_the_index_digest()
    {
        var amd = new TestImageBuilder().WithFile("arch", "amd64").Build();
        var arm = new TestImageBuilder().WithPlatform("linux/arm64").WithFile("arch", "arm64").Build();
        var index = new TestIndexBuilder().Add(amd).Add(arm).Build();
        await Skopeo.PublishAsync(index, registry.Server, "store/multi:1");
        using var scope = new TransferScope();

        var result = await scope.PullAsync(registry.Server.Reference("store/multi:1"), Platform.Parse("linux/arm64/v8"));

        result.ImageId.Should().Be(arm.ConfigDigest);
        result.RepoDigest.Should().Be(index.Digest);
        var details = scope.Store.Inspect(registry.Server.Reference("store/multi:1"));
        details.Architecture.Should().Be("arm64");
        details.RepoDigests.Should().ContainSingle().Which.Should().EndWith(index.Digest.ToString());
        scope.Store.Inspect(registry.Server.Reference($"store/multi@{index.Digest}")).Id.Should().Be(arm.ConfigDigest.ToString());
    }

    [Fact]
    public async Task Concurrent_pulls_sharing_a_layer_download_it_once()
    {
        var shared = new TestImageBuilder().WithRandomLayer(3_000_000, 40).Build().Layers[0];
        var first = new TestImageBuilder().WithSharedLayer(shared).WithFile("app", "one").Build();
        var second = new TestImageBuilder().WithSharedLayer(shared).WithFile("app", "two").Build();
        await Skopeo.PublishAsync(first, registry.Server, "store/shared-a:1");
        await Skopeo.PublishAsync(second, registry.Server, "store/shared-b:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var scope = new TransferScope();
        var verified = new System.Collections.Concurrent.ConcurrentBag<Digest>();
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Status == LayerPullStatus.Verifying)
            {
                verified.Add(p.Layer);
            }
        });

        var results = await Task.WhenAll(
            scope.PullAsync(proxy.Reference("store/shared-a:1"), progress: progress),
            scope.PullAsync(proxy.Reference("store/shared-b:1"), progress: progress));

        proxy.Seen.Count(s => s.StartsWith("GET ", StringComparison.Ordinal) && s.Contains(shared.Digest.Hex, StringComparison.Ordinal)).Should().Be(1);
        verified.Should().Contain(shared.Digest, "a pull waiting on another's download sees its progress too");
        results.Sum(r => r.LayersDownloaded).Should().Be(3);
        scope.Store.List().Should().HaveCount(2);
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Fact]
    public async Task Moving_a_tag_leaves_the_old_image_dangling()
    {
        var v1 = new TestImageBuilder().WithFile("version", "1").Build();
        var v2 = new TestImageBuilder().WithFile("version", "2").Build();
        using var scope = new TransferScope();
        await Skopeo.PublishAsync(v1, registry.Server, "store/moving:latest");
        await scope.PullAsync(registry.Server.Reference("store/moving:latest"));
        await Skopeo.PublishAsync(v2, registry.Server, "store/moving:latest");

        var second = await scope.PullAsync(registry.Server.Reference("store/moving:latest"));

        second.ImageId.Should().Be(v2.ConfigDigest);
        var rows = scope.Store.List();
        rows.Should().HaveCount(2);
        rows.Single(r => r.ImageId == v1.ConfigDigest).Dangling.Should().BeTrue();
        rows.Single(r => r.ImageId == v2.ConfigDigest).Tag.Should().Be("latest");
        scope.Store.List(new ImageFilter { Dangling = true }).Select(r => r.ImageId).Should().Equal(v1.ConfigDigest);
    }

    [Fact]
    public async Task Missing_tag_fails_and_leaves_nothing()
    {
        using var scope = new TransferScope();
        var act = () => scope.PullAsync(registry.Server.Reference("store/none:missing"));
        (await act.Should().ThrowAsync<Registry.RegistryException>()).WithMessage("*manifest unknown*");
        scope.Store.List().Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelled_pull_leaves_no_image_and_a_clean_store()
    {
        var image = new TestImageBuilder().WithRandomLayer(8_000_000, 50).WithRandomLayer(8_000_000, 51).Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/cancel:1");
        using var scope = new TransferScope();
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<PullProgress>(p =>
        {
            if (p.Status == LayerPullStatus.Downloading && p.Current > 0)
            {
                cancel.Cancel();
            }
        });

        var act = () => scope.PullAsync(registry.Server.Reference("store/cancel:1"), progress: progress, cancellationToken: cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        scope.Store.List().Should().BeEmpty();
        scope.Reopen();
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        // What was fetched stays, named by layer, for the next pull to continue.
        Directory.EnumerateFiles(Path.Combine(scope.Root, "ingest"), "*.partial").Select(Path.GetFileName)
            .Should().BeSubsetOf(image.Layers.Select(l => l.Digest.Hex + ".partial"));
        (await scope.PullAsync(registry.Server.Reference("store/cancel:1"))).ImageId.Should().Be(image.ConfigDigest);
        Directory.EnumerateFiles(Path.Combine(scope.Root, "ingest"), "*.partial").Should().BeEmpty();
    }

    [Fact]
    public async Task Pushes_an_image_that_pulls_back_identically()
    {
        var image = new TestImageBuilder().WithFile("push", "me").Build();
        await Skopeo.PublishAsync(image, registry.Server, "store/push-src:1");
        using var scope = new TransferScope();
        await scope.PullAsync(registry.Server.Reference("store/push-src:1"));

        var digest = await new ImagePusher(scope.Store).PushAsync(registry.Server.Reference("store/push-src:1"), ImageReference.Parse(registry.Server.Reference("store/push-dst:copy")), scope.Registry);

        digest.Should().Be(image.ManifestDigest);
        var raw = await Skopeo.InspectAsync("docker://" + registry.Server.Reference("store/push-dst:copy"), raw: true);
        Digest.Compute(System.Text.Encoding.UTF8.GetBytes(raw)).Should().Be(image.ManifestDigest);
    }
}
