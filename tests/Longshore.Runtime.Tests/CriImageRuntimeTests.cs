using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Runtime.Tests;

/// <summary>The CRI backend against a real containerd pulling from a real registry.</summary>
public sealed class CriImageRuntimeTests(RuntimeFixture fixture) : IClassFixture<RuntimeFixture>
{
    [Fact]
    public async Task Pulls_lists_pins_and_removes_through_cri()
    {
        var image = new TestImageBuilder().WithRandomLayer(200_000, 5).WithFile("etc/cri", "1").Build();
        await Skopeo.PublishAsync(image, fixture.Registry, "cri/app:1");
        var reference = fixture.Registry.Reference("cri/app:1");
        await using var runtime = new CriImageRuntime(fixture.Containerd.SocketPath);

        var info = await runtime.InfoAsync();
        info.Name.Should().Be("containerd");
        info.PinningSupported.Should().BeTrue();

        var id = await runtime.PullAsync(reference, null);
        id.Should().Be(image.ConfigDigest.ToString());
        var status = await runtime.ImageStatusAsync(reference);
        status!.RepoDigests.Should().Contain($"{fixture.Registry.Reference("cri/app")}@{image.ManifestDigest}");
        (await runtime.ListImagesAsync()).Should().Contain(i => i.Id == id);
        (await fixture.Containerd.CtrAsync(["images", "ls", "-q"])).EnsureSuccess().StandardOutput.Should().Contain(reference);

        await runtime.PinAsync(reference, pinned: true);
        (await runtime.ImageStatusAsync(reference))!.Pinned.Should().BeTrue();
        var labels = (await fixture.Containerd.CtrAsync(["images", "ls"])).EnsureSuccess().StandardOutput;
        labels.Split('\n').Single(l => l.StartsWith(reference + " ", StringComparison.Ordinal)).Should().Contain("io.cri-containerd.pinned=pinned");
        await runtime.PinAsync(reference, pinned: false);
        (await runtime.ImageStatusAsync(reference))!.Pinned.Should().BeFalse();

        // containerd refreshes used bytes on its own schedule; the filesystem and its capacity are known at once.
        (await runtime.FilesystemUsageAsync())!.CapacityBytes.Should().BeGreaterThan(0);
        (await runtime.InUseImageIdsAsync()).Should().BeEmpty();

        await runtime.RemoveAsync(reference);
        (await runtime.ImageStatusAsync(reference)).Should().BeNull();
    }

    [Fact]
    public async Task Removes_only_its_own_pins_never_one_someone_else_set_nor_the_sandbox_images()
    {
        var theirs = new TestImageBuilder().WithFile("etc/theirs", "1").Build();
        var ours = new TestImageBuilder().WithFile("etc/ours", "1").Build();
        var pause = new TestImageBuilder().WithFile("etc/pause", "1").Build();
        await Skopeo.PublishAsync(theirs, fixture.Registry, "pins/theirs:1");
        await Skopeo.PublishAsync(ours, fixture.Registry, "pins/ours:1");
        await Skopeo.PublishAsync(pause, fixture.Registry, "pins/pause:1");
        var theirsReference = fixture.Registry.Reference("pins/theirs:1");
        var oursReference = fixture.Registry.Reference("pins/ours:1");
        var pauseReference = fixture.Registry.Reference("pins/pause:1");
        await using var containerd = await ContainerdServer.StartAsync([fixture.Registry.Host], sandboxImage: pauseReference);
        await using var runtime = new CriImageRuntime(containerd.SocketPath);
        foreach (var reference in new[] { theirsReference, oursReference, pauseReference })
        {
            await runtime.PullAsync(reference, null);
        }

        // An administrator pins one image by hand, with the label kubelet honours and no mark of the agent's.
        (await containerd.CtrAsync(["images", "label", theirsReference, $"{CriImageRuntime.PinnedLabel}=pinned"])).EnsureSuccess();
        var before = (await runtime.ImageStatusAsync(theirsReference))!;
        before.Pinned.Should().BeTrue();
        before.PinnedByAgent.Should().BeFalse();

        // The agent wants all three pinned, then none.
        var images = await runtime.ListImagesAsync();
        await runtime.PinAsync(images, pinned: true);
        (await runtime.ImageStatusAsync(oursReference))!.PinnedByAgent.Should().BeTrue();
        (await runtime.ImageStatusAsync(theirsReference))!.PinnedByAgent.Should().BeFalse("a pin someone else set is not taken over");
        await runtime.PinAsync(await runtime.ListImagesAsync(), pinned: false);
        await runtime.PinAsync(theirsReference, pinned: false);
        await runtime.PinAsync(pauseReference, pinned: false);

        (await runtime.ImageStatusAsync(oursReference))!.Pinned.Should().BeFalse("the agent removes its own pin");
        (await runtime.ImageStatusAsync(theirsReference))!.Pinned.Should().BeTrue("the administrator's pin survives");
        (await runtime.ImageStatusAsync(pauseReference))!.Pinned.Should().BeTrue("the sandbox image keeps its pin");
        var labels = (await containerd.CtrAsync(["images", "ls"])).EnsureSuccess().StandardOutput.Split('\n');
        labels.Single(l => l.StartsWith(theirsReference + " ", StringComparison.Ordinal)).Should().Contain($"{CriImageRuntime.PinnedLabel}=pinned")
            .And.NotContain(CriImageRuntime.PinnedByLabel);
        labels.Single(l => l.StartsWith(oursReference + " ", StringComparison.Ordinal)).Should().NotContain(CriImageRuntime.PinnedLabel);
    }

    [Fact]
    public async Task Removals_by_anyone_arrive_on_the_event_stream()
    {
        var image = new TestImageBuilder().WithFile("etc/removed", "1").Build();
        await Skopeo.PublishAsync(image, fixture.Registry, "cri/removed:1");
        var reference = fixture.Registry.Reference("cri/removed:1");
        await using var runtime = new CriImageRuntime(fixture.Containerd.SocketPath);
        await runtime.PullAsync(reference, null);

        using var listening = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var removed = new List<string>();
        var gone = Task.Run(async () =>
        {
            await foreach (var name in runtime.RemovedImagesAsync(listening.Token))
            {
                lock (removed)
                {
                    removed.Add(name);
                }

                if (name == reference)
                {
                    return;
                }
            }
        });

        // Removed behind the runtime API's back, as an operator with ctr would.
        await Task.Delay(500);
        (await fixture.Containerd.CtrAsync(["images", "rm", reference])).EnsureSuccess();
        await gone.WaitAsync(TimeSpan.FromSeconds(30));
        removed.Should().Contain(reference);
    }

    [Fact]
    public async Task A_cancelled_pull_and_event_stream_end_as_cancellations()
    {
        var image = new TestImageBuilder().WithRandomLayer(20_000_000, 7).Build();
        await Skopeo.PublishAsync(image, fixture.Registry, "cri/slow:1");
        await using var runtime = new CriImageRuntime(fixture.Containerd.SocketPath);

        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var pull = () => runtime.PullAsync(fixture.Registry.Reference("cri/slow:1"), null, soon.Token);
        await pull.Should().ThrowAsync<OperationCanceledException>();

        using var listening = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var follow = async () =>
        {
            await foreach (var _ in runtime.RemovedImagesAsync(listening.Token))
            {
            }
        };
        await follow.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_missing_image_fails_with_the_runtime_reason()
    {
        await using var runtime = new CriImageRuntime(fixture.Containerd.SocketPath);
        var act = () => runtime.PullAsync(fixture.Registry.Reference("cri/none:missing"), null);
        (await act.Should().ThrowAsync<RuntimeException>()).WithMessage("*not found*").Which.Kind.Should().Be(RuntimeErrorKind.NotFound, "containerd sends NotFound as a gRPC status code");
    }

    [Fact]
    public async Task Embedded_runtime_types_registry_failures_by_status_code()
    {
        using var folder = TempDirectory.Create("longshore-embedded-errors");
        using var store = LayerStore.ImageStore.Open(folder.Combine("store"));
        await using var runtime = new EmbeddedImageRuntime(store, new Registry.RegistryClientOptions());
        var missing = () => runtime.PullAsync(fixture.Registry.Reference("cri/none:missing"), null);
        (await missing.Should().ThrowAsync<RuntimeException>()).Which.Kind.Should().Be(RuntimeErrorKind.NotFound);

        var arm = new TestImageBuilder().WithPlatform("linux/arm64").WithFile("etc/arm", "1").Build();
        var riscv = new TestImageBuilder().WithPlatform("linux/riscv64").WithFile("etc/riscv", "1").Build();
        await Skopeo.PublishAsync(new TestIndexBuilder().Add(arm).Add(riscv).Build(), fixture.Registry, "cri/foreign:1");
        var foreign = () => runtime.PullAsync(fixture.Registry.Reference("cri/foreign:1"), null);
        (await foreign.Should().ThrowAsync<RuntimeException>()).Which.Kind.Should().Be(RuntimeErrorKind.PlatformMissing);
    }

    [Theory]
    [InlineData(Grpc.Core.StatusCode.NotFound, RuntimeErrorKind.NotFound)]
    [InlineData(Grpc.Core.StatusCode.Unauthenticated, RuntimeErrorKind.Unauthorized)]
    [InlineData(Grpc.Core.StatusCode.PermissionDenied, RuntimeErrorKind.Unauthorized)]
    [InlineData(Grpc.Core.StatusCode.DeadlineExceeded, RuntimeErrorKind.TimedOut)]
    [InlineData(Grpc.Core.StatusCode.Unavailable, RuntimeErrorKind.RuntimeFailure)]
    [InlineData(Grpc.Core.StatusCode.Unknown, RuntimeErrorKind.Unknown)]
    public void Grpc_status_codes_map_to_error_kinds(Grpc.Core.StatusCode code, RuntimeErrorKind kind) =>
        CriImageRuntime.KindOf(code).Should().Be(kind);

    [Theory]
    [InlineData(401, null, RuntimeErrorKind.Unauthorized)]
    [InlineData(403, "DENIED", RuntimeErrorKind.Unauthorized)]
    [InlineData(404, "MANIFEST_UNKNOWN", RuntimeErrorKind.NotFound)]
    [InlineData(null, "PLATFORM_NOT_FOUND", RuntimeErrorKind.PlatformMissing)]
    [InlineData(429, "TOOMANYREQUESTS", RuntimeErrorKind.RegistryUnavailable)]
    [InlineData(503, null, RuntimeErrorKind.RegistryUnavailable)]
    [InlineData(400, "MANIFEST_INVALID", RuntimeErrorKind.Unknown)]
    public void Registry_status_codes_map_to_error_kinds(int? status, string? code, RuntimeErrorKind kind) =>
        RegistryErrors.KindOf(new Registry.RegistryException("failed", (System.Net.HttpStatusCode?)status, code)).Should().Be(kind);

    [Fact]
    public void Socket_detection_prefers_the_configured_path_then_known_ones()
    {
        CriSockets.Detect(null, p => p == "/run/crio/crio.sock").Should().Be("/run/crio/crio.sock");
        CriSockets.Detect(null, _ => false).Should().BeNull();
        CriSockets.Detect("unix:///tmp/x.sock", p => p == "/tmp/x.sock").Should().Be("/tmp/x.sock");
        var act = () => CriSockets.Detect("/nope.sock", _ => false);
        act.Should().Throw<RuntimeException>().WithMessage("*/nope.sock does not exist*");
    }

    [Fact]
    public async Task Embedded_runtime_pulls_and_pins_in_the_layer_store()
    {
        var image = new TestImageBuilder().WithFile("etc/embedded", "1").Build();
        await Skopeo.PublishAsync(image, fixture.Registry, "cri/embedded:1");
        using var folder = TempDirectory.Create("longshore-embedded");
        using var store = LayerStore.ImageStore.Open(folder.Combine("store"));
        await using var runtime = new EmbeddedImageRuntime(store, new Registry.RegistryClientOptions());
        var reference = fixture.Registry.Reference("cri/embedded:1");

        (await runtime.PullAsync(reference, null)).Should().Be(image.ConfigDigest.ToString());
        await runtime.PinAsync(reference, true);
        (await runtime.ImageStatusAsync(reference))!.Pinned.Should().BeTrue();
        var act = () => store.Remove(reference);
        act.Should().Throw<LayerStore.ImageConflictException>();
        await runtime.PinAsync(reference, false);
        await runtime.RemoveAsync(reference);
        (await runtime.ImageStatusAsync(reference)).Should().BeNull();
        (await runtime.RemovedImagesAsync().ToListAsync()).Should().BeEmpty("the store has no change feed; the agent resyncs");
    }
}
