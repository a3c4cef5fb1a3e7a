using Longshore.Api;
using Longshore.Kube;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Longshore.Agent.Tests;

/// <summary>A registry and a containerd that pulls from it, shared by the tests of one class.</summary>
public sealed class ContainerdPruneFixture : IAsyncLifetime
{
    public RegistryServer Registry { get; private set; } = null!;

    public ContainerdServer Containerd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await RegistryServer.StartAsync();
        Containerd = await ContainerdServer.StartAsync([Registry.Host]);
    }

    public async Task DisposeAsync()
    {
        await Containerd.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

/// <summary>
/// Prune requests carried out by the agent's core on a real containerd, with images that share layers: the plan counts
/// only blobs and snapshots no surviving image shares, and what the removal frees (measured in containerd's content and
/// snapshot stores) is what it planned; a dry run removes nothing.
/// </summary>
public sealed class ContainerdPruneTests(ContainerdPruneFixture fixture, ITestOutputHelper output) : IClassFixture<ContainerdPruneFixture>
{
    [Fact]
    public async Task Planned_bytes_are_freed_bytes_and_shared_layers_survive_with_the_images_that_stay()
    {
        var shared = new TestImageBuilder().WithRandomLayer(400_000, 11).Build().Layers[0];
        var sharedWithKept = new TestImageBuilder().WithRandomLayer(300_000, 12).Build().Layers[0];
        var images = new Dictionary<string, BuiltImage>
        {
            ["prune/base:keep"] = new TestImageBuilder().WithSharedLayer(shared).WithRandomLayer(100_000, 13).Build(),
            ["prune/a:1"] = new TestImageBuilder().WithSharedLayer(shared).WithRandomLayer(200_000, 14).Build(),
            ["prune/b:1"] = new TestImageBuilder().WithSharedLayer(shared).WithSharedLayer(sharedWithKept).WithRandomLayer(250_000, 15).Build(),
            ["prune/c:keep"] = new TestImageBuilder().WithSharedLayer(sharedWithKept).WithRandomLayer(150_000, 16).Build(),
        };
        await using var runtime = new CriImageRuntime(fixture.Containerd.SocketPath);
        foreach (var (name, image) in images)
        {
            await Skopeo.PublishAsync(image, fixture.Registry, name);
            await runtime.PullAsync(fixture.Registry.Reference(name), null);
        }

        await using var pulls = new PullScheduler(runtime, 1, PullScheduler.DefaultBackoff, TimeProvider.System, NullLogger.Instance);
        var sync = new NodeImageSync(runtime, pulls, TimeProvider.System, NullLogger.Instance);
        NodeImageStatus? status = null;
        async Task<NodePruneReport> Run(PruneRequest request)
        {
            for (var pass = 0; pass < 2; pass++)
            {
                status = (await sync.SyncAsync(new NodeImageSpec { PruneRequests = [request] }, status, 1, CancellationToken.None)).Status;
            }

            return status!.PruneResults!.Single();
        }

        var before = (await runtime.ContentAsync())!;
        var dry = await Run(new PruneRequest { Name = "p", RunId = "dry", Mode = "Unused", Keep = ["*:keep"], DryRun = true });

        dry.Phase.Should().Be("Succeeded", dry.Message);
        dry.ImagesRemoved.Should().Be(2);
        dry.BytesReclaimed.Should().Be(0);
        (await runtime.ContentAsync())!.TotalBytes.Should().Be(before.TotalBytes, "a dry run removes nothing");
        (await runtime.ListImagesAsync()).Should().HaveCount(4);

        var run = await Run(new PruneRequest { Name = "p", RunId = "real", Mode = "Unused", Keep = ["*:keep"] });

        output.WriteLine($"planned {run.BytesPlanned} bytes, freed {run.BytesReclaimed} bytes (content and snapshots {before.TotalBytes} -> {(await runtime.ContentAsync())!.TotalBytes})");
        run.Phase.Should().Be("Succeeded", run.Message);
        run.Removed.Should().BeEquivalentTo(fixture.Registry.Reference("prune/a:1"), fixture.Registry.Reference("prune/b:1"));
        run.Skipped!.Select(s => s.Reason).Should().AllBeEquivalentTo(PruneSkipReason.Kept);
        run.BytesPlanned.Should().Be(dry.BytesPlanned, "the dry run reported the same plan");
        var unique = images["prune/a:1"].Layers[1].Size + images["prune/b:1"].Layers[2].Size;
        run.BytesPlanned.Should().BeGreaterThan(unique, "the unique layers, configs, manifests and snapshots go");
        run.BytesReclaimed.Should().BeCloseTo(run.BytesPlanned, (ulong)(run.BytesPlanned / 100), "freed bytes are measured in containerd's stores");
        var after = (await runtime.ContentAsync())!;
        after.Sizes.Keys.Should().Contain([shared.Digest.ToString(), sharedWithKept.Digest.ToString()], "shared layers stay while a kept image uses them");
        after.Sizes.Keys.Should().NotContain([images["prune/a:1"].Layers[1].Digest.ToString(), images["prune/b:1"].Layers[2].Digest.ToString()]);
        (await runtime.ListImagesAsync()).Select(i => i.Id).Should().BeEquivalentTo(
            [images["prune/base:keep"].ConfigDigest.ToString(), images["prune/c:keep"].ConfigDigest.ToString()]);
        before.TotalBytes.Should().Be(after.TotalBytes + run.BytesReclaimed);
    }
}
