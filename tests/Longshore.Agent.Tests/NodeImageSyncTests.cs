using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Agent.Tests;

/// <summary>The agent's core against an in-memory runtime: no API server, no containerd.</summary>
public sealed class NodeImageSyncTests : IAsyncDisposable
{
    private const string Old = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    private const string New = "sha256:0000000000000000000000000000000000000000000000000000000000000002";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeImageRuntime _runtime = new();
    private readonly PullScheduler _pulls;
    private readonly NodeImageSync _sync;
    private int _completions;
    private NodeImageStatus? _status;

    public NodeImageSyncTests()
    {
        _pulls = new PullScheduler(_runtime, 2, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), _time, NullLogger.Instance);
        _pulls.Completed += (_, _) => Interlocked.Increment(ref _completions);
        _sync = new NodeImageSync(_runtime, _pulls, _time, NullLogger.Instance);
        // A real clock moves while the runtime is listed; with a frozen one, a pull that ends during a listing would look
        // as old as the listing and be started again.
        _runtime.OnList = () => _time.Advance(TimeSpan.FromMilliseconds(1));
    }

    public ValueTask DisposeAsync() => _pulls.DisposeAsync();

    private static WantedImage Wanted(string reference, bool pin = true, string? digest = null) =>
        new() { Reference = reference, Pin = pin, Digest = digest, Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "web" }] };

    private async Task<NodeImageSyncResult> Sync(params WantedImage[] images)
    {
        var result = await _sync.SyncAsync(new NodeImageSpec { Images = images.ToList() }, _status, 1, CancellationToken.None);
        _status = result.Status;
        return result;
    }

    /// <summary>Syncs until every wanted image is present (each pull completion is what would requeue the reconciler).</summary>
    private async Task<NodeImageSyncResult> SyncUntilPresent(params WantedImage[] images)
    {
        var result = await Sync(images);
        for (var i = 0; i < 50 && result.Status.Images!.Any(e => e.Phase != ImagePhase.Present); i++)
        {
            await Task.Delay(20);
            result = await Sync(images);
        }

        return result;
    }

    [Fact]
    public async Task Lists_the_runtime_once_per_pass_whatever_the_number_of_wanted_images()
    {
        var wanted = Enumerable.Range(0, 200).Select(i => Wanted($"registry.test/app{i}:1")).ToArray();
        for (var i = 0; i < wanted.Length; i++)
        {
            _runtime.Add($"sha256:{i:x64}", [wanted[i].Reference], pinned: true);
        }

        _runtime.ResetCalls();
        var result = await Sync(wanted);

        result.Status.Images.Should().HaveCount(200).And.OnlyContain(e => e.Phase == ImagePhase.Present && e.Pinned);
        _runtime.Calls("ListImages").Should().Be(1);
        _runtime.Calls("ImageStatus").Should().Be(0);
        _runtime.TotalCalls().Should().Be(4, "info, list, in-use set and filesystem usage; nothing per image");
        result.Status.Inventory!.ImageCount.Should().Be(200);
    }

    [Fact]
    public async Task Pulls_what_is_missing_pins_it_and_reports_Ready()
    {
        var web = Wanted("registry.test/web:1");
        var first = await Sync(web);
        first.Status.Images!.Single().Phase.Should().BeOneOf(ImagePhase.Pending, ImagePhase.Pulling);
        first.Changed.Should().BeTrue();

        var done = await SyncUntilPresent(web);
        var entry = done.Status.Images!.Single();
        entry.Phase.Should().Be(ImagePhase.Present);
        entry.Pinned.Should().BeTrue();
        _runtime.ByName("registry.test/web:1")!.Pinned.Should().BeTrue();
        done.Status.Conditions!.Single(c => c.Type == "Ready").Status.Should().Be("True");
        (await Sync(web)).Changed.Should().BeFalse("nothing changed since the last pass");
    }

    [Fact]
    public async Task Puts_back_an_image_removed_behind_its_back()
    {
        var web = Wanted("registry.test/web:1");
        await SyncUntilPresent(web);
        _runtime.Remove(_runtime.ByName("registry.test/web:1")!.Id);

        var back = await SyncUntilPresent(web);
        back.Status.Images!.Single().Phase.Should().Be(ImagePhase.Present);
        _runtime.Pulled.Should().Equal("registry.test/web:1", "registry.test/web:1");
    }

    [Fact]
    public async Task Follows_a_moved_tag_once_per_resolved_digest_and_releases_the_old_pin()
    {
        var old = _runtime.Add("sha256:old", ["registry.test/web:1"], ["registry.test/web@" + Old], pinned: true);
        _status = new NodeImageStatus { Images = [new NodeImageEntryStatus { Reference = "registry.test/web:1", Phase = ImagePhase.Present, Pinned = true }] };
        // The registry still serves the old image under the tag: the node must not pull it in a loop.
        _runtime.OnPull = (_, _, _) =>
        {
            _runtime.Add(old.Id, old.RepoTags, old.RepoDigests, old.Size, pinned: false);
            return Task.CompletedTask;
        };

        var moved = Wanted("registry.test/web:1", digest: New);
        var first = await Sync(moved);
        first.Status.Images!.Single().Message.Should().Contain("the tag now points at " + New);
        await Poll.UntilAsync(() => Volatile.Read(ref _completions) == 1, "the pull of the moved tag ends");

        var settled = await SyncUntilPresent(moved);
        settled.Status.Images!.Single().Phase.Should().Be(ImagePhase.Present);
        (await Sync(moved)).Status.Images!.Single().Phase.Should().Be(ImagePhase.Present);
        _runtime.Pulled.Should().ContainSingle("one pull per resolved digest");
    }

    [Fact]
    public async Task Unpins_what_is_no_longer_wanted_or_no_longer_pinned_and_keeps_the_image()
    {
        var web = Wanted("registry.test/web:1");
        var worker = Wanted("registry.test/worker:1");
        await SyncUntilPresent(web, worker);

        await Sync(Wanted("registry.test/web:1", pin: false));
        _runtime.ByName("registry.test/worker:1")!.Pinned.Should().BeFalse("worker is no longer wanted");
        _runtime.ByName("registry.test/web:1")!.Pinned.Should().BeFalse("web is wanted unpinned");
        _runtime.ByName("registry.test/worker:1").Should().NotBeNull("pruning is separate");
    }

    [Fact]
    public async Task Never_removes_a_pin_someone_else_set_even_on_an_image_it_was_asked_to_pin()
    {
        _runtime.Add("sha256:pause", ["registry.test/pause:1"], pinnedByOther: true);
        _runtime.Add("sha256:tool", ["registry.test/tool:1"], pinnedByOther: true);
        var pause = Wanted("registry.test/pause:1");
        var tool = Wanted("registry.test/tool:1");
        var pinnedByAgent = (await SyncUntilPresent(pause, tool)).Status.Images!;
        pinnedByAgent.Should().OnlyContain(e => e.Pinned, "the images are pinned, as asked");

        await Sync(Wanted("registry.test/tool:1", pin: false));
        _runtime.ByName("registry.test/pause:1")!.Pinned.Should().BeTrue("the pin on pause is not the agent's to remove");
        _runtime.ByName("registry.test/tool:1")!.Pinned.Should().BeTrue("the pin on tool is not the agent's to remove");
        _runtime.Calls("PinMany").Should().Be(0, "nothing was the agent's to pin or unpin");
    }

    [Fact]
    public async Task A_failed_pull_reports_its_typed_reason_once_as_newly_failed()
    {
        _runtime.OnPull = (reference, _, _) => throw new Runtime.RuntimeException($"pull {reference} failed: not found", Runtime.RuntimeErrorKind.NotFound);
        var missing = Wanted("registry.test/missing:1");
        missing.BackoffLimit = 0;
        await Sync(missing);
        await Poll.UntilAsync(() => Volatile.Read(ref _completions) == 1, "the pull fails");

        var failed = await Sync(missing);
        var entry = failed.Status.Images!.Single();
        entry.Phase.Should().Be(ImagePhase.Failed);
        entry.Reason.Should().Be(PullFailureReason.NotFound);
        entry.Attempts.Should().Be(1);
        failed.NewlyFailed.Should().ContainSingle();
        (await Sync(missing)).NewlyFailed.Should().BeEmpty("the event is raised when it turns Failed, not on every pass");
        failed.Status.Conditions!.Single(c => c.Type == "Ready").Reason.Should().Be("PullFailed");
    }
}
