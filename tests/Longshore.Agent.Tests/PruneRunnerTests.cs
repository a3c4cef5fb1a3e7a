using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Agent.Tests;

/// <summary>Prune requests through the agent's core against an in-memory runtime: once per run, Running then done, dry runs, re-checks.</summary>
public sealed class PruneRunnerTests : IAsyncDisposable
{
    private const string Dangling = "sha256:00000000000000000000000000000000000000000000000000000000000000d1";
    private const string Old = "sha256:00000000000000000000000000000000000000000000000000000000000000a1";
    private const string Used = "sha256:00000000000000000000000000000000000000000000000000000000000000b1";
    private const string Kept = "sha256:00000000000000000000000000000000000000000000000000000000000000c1";
    private const string Wanted = "sha256:00000000000000000000000000000000000000000000000000000000000000e1";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeImageRuntime _runtime = new();
    private readonly TempDirectory _state = TempDirectory.Create("longshore-prune-state");
    private readonly PullScheduler _pulls;
    private NodeImageSync _sync;
    private NodeImageStatus? _status;

    public PruneRunnerTests()
    {
        _pulls = new PullScheduler(_runtime, 2, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), _time, NullLogger.Instance);
        _sync = NewAgent();
        _runtime.Add(Dangling, [], size: 300);
        _runtime.Add(Old, ["docker.io/library/old:1"], size: 500);
        _runtime.Add(Used, ["docker.io/library/used:1"], size: 700);
        _runtime.Add(Kept, ["registry.k8s.io/pause:3.9"], size: 50);
        _runtime.Add(Wanted, ["docker.io/library/wanted:1"], size: 900);
        _runtime.InUse.Add(Used);
    }

    public async ValueTask DisposeAsync()
    {
        await _pulls.DisposeAsync();
        _state.Dispose();
    }

    private NodeImageSync NewAgent() => new(_runtime, _pulls, _time, NullLogger.Instance, uses: ImageUseStore.Open(_state.Path, NullLogger.Instance));

    private static PruneRequest Request(string runId = "r1", string mode = "Unused", bool dryRun = false, string? olderThan = "24h") =>
        new() { Name = "nightly", RunId = runId, Mode = mode, DryRun = dryRun, OlderThan = olderThan, Keep = ["registry.k8s.io/*"] };

    private async Task<NodeImageSyncResult> Sync(params PruneRequest[] requests)
    {
        var spec = new NodeImageSpec
        {
            Images = [new WantedImage { Reference = "docker.io/library/wanted:1", Pin = false, Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "d", Name = "w" }] }],
            PruneRequests = requests.ToList(),
        };
        var result = await _sync.SyncAsync(spec, _status, 1, CancellationToken.None);
        _status = result.Status;
        return result;
    }

    /// <summary>The agent sees the images now, then two days pass without a container using them.</summary>
    private async Task AgeImages()
    {
        await Sync();
        _time.Advance(TimeSpan.FromDays(2));
    }

    [Fact]
    public async Task A_run_reports_Running_first_then_removes_only_unprotected_images_and_measures_what_it_freed()
    {
        await AgeImages();

        var first = await Sync(Request());
        var report = first.Status.PruneResults.Should().ContainSingle().Subject;
        report.Phase.Should().Be("Running");
        report.StartTime.Should().Be(_time.GetUtcNow().UtcDateTime);
        first.Changed.Should().BeTrue();
        first.RetryAt.Should().Be(_time.GetUtcNow(), "the run is carried out right after Running is written");
        _runtime.Get(Old).Should().NotBeNull("nothing is removed before Running is reported");

        var second = await Sync(Request());

        report = second.Status.PruneResults.Should().ContainSingle().Subject;
        report.Phase.Should().Be("Succeeded");
        report.ImagesRemoved.Should().Be(2);
        report.Removed.Should().BeEquivalentTo("docker.io/library/old:1", Dangling);
        report.BytesPlanned.Should().Be(800, "no content listing here: each image's reported size");
        report.BytesReclaimed.Should().Be(800);
        report.Skipped!.Select(s => (s.Image, s.Reason)).Should().BeEquivalentTo(new[]
        {
            ("docker.io/library/used:1", PruneSkipReason.InUse),
            ("registry.k8s.io/pause:3.9", PruneSkipReason.Kept),
            ("docker.io/library/wanted:1", PruneSkipReason.Wanted),
        });
        report.SkippedCount.Should().Be(3);
        report.Message.Should().Contain("cannot list its content");
        _runtime.Get(Old).Should().BeNull();
        _runtime.Get(Dangling).Should().BeNull();
        _runtime.Get(Used).Should().NotBeNull();
        _runtime.Get(Kept).Should().NotBeNull();
        _runtime.Get(Wanted).Should().NotBeNull();
    }

    [Fact]
    public async Task A_dry_run_reports_the_same_plan_and_removes_nothing()
    {
        await AgeImages();

        await Sync(Request(dryRun: true));
        var report = (await Sync(Request(dryRun: true))).Status.PruneResults!.Single();

        report.Phase.Should().Be("Succeeded");
        report.ImagesRemoved.Should().Be(2);
        report.BytesPlanned.Should().Be(800);
        report.BytesReclaimed.Should().Be(0);
        _runtime.Calls("Remove").Should().Be(0);
        _runtime.Get(Old).Should().NotBeNull();
    }

    [Fact]
    public async Task Images_used_within_olderThan_stay()
    {
        await Sync();
        _time.Advance(TimeSpan.FromHours(1));

        await Sync(Request());
        var report = (await Sync(Request())).Status.PruneResults!.Single();

        report.ImagesRemoved.Should().Be(0);
        report.Skipped!.Where(s => s.Reason == PruneSkipReason.TooRecent).Select(s => s.Image).Should().BeEquivalentTo("docker.io/library/old:1", Dangling);
    }

    [Fact]
    public async Task An_image_a_container_starts_using_after_planning_is_not_removed()
    {
        await AgeImages();
        await Sync(Request());
        var queries = 0;
        // The pass's own look at the runtime is the first query; the re-check before the first removal sees a new container.
        _runtime.OnInUse = () =>
        {
            if (++queries == 2)
            {
                _runtime.InUse.Add(Dangling);
                _runtime.InUse.Add(Old);
            }
        };

        var report = (await Sync(Request())).Status.PruneResults!.Single();

        report.ImagesRemoved.Should().Be(0);
        report.Skipped!.Where(s => s.Reason == PruneSkipReason.InUse).Select(s => s.Image).Should().Contain(["docker.io/library/old:1", Dangling]);
        _runtime.Get(Old).Should().NotBeNull();
        _runtime.Get(Dangling).Should().NotBeNull();
    }

    [Fact]
    public async Task A_run_is_never_repeated_and_its_report_stays_while_its_request_does()
    {
        await AgeImages();
        await Sync(Request());
        await Sync(Request());
        _runtime.Add(Old, ["docker.io/library/old:1"], size: 500);

        var again = await Sync(Request());
        _sync = NewAgent();
        var afterRestart = await Sync(Request());

        again.Status.PruneResults!.Single().Phase.Should().Be("Succeeded");
        afterRestart.Status.PruneResults!.Single().ImagesRemoved.Should().Be(2, "the report is the first run's");
        _runtime.Get(Old).Should().NotBeNull("the same run id never runs twice");
        (await Sync()).Status.PruneResults.Should().BeNull("the request left the spec");
        _runtime.Calls("Remove").Should().Be(2);
    }

    [Fact]
    public async Task A_status_lagging_the_agents_own_writes_neither_fails_nor_repeats_a_run()
    {
        await AgeImages();
        var beforeRunning = _status;
        var running = (await Sync(Request())).Status;

        _status = beforeRunning;
        var done = (await Sync(Request())).Status.PruneResults!.Single();
        _status = running;
        var later = (await Sync(Request())).Status.PruneResults!.Single();

        done.Phase.Should().Be("Succeeded", "the cache had not seen Running yet: the run still goes ahead");
        done.ImagesRemoved.Should().Be(2);
        later.Should().BeEquivalentTo(done, "a cache still showing Running does not make the finished run look interrupted");
        _runtime.Calls("Remove").Should().Be(2);
    }

    [Fact]
    public async Task A_run_left_Running_by_a_restart_is_reported_Failed_not_repeated()
    {
        await AgeImages();
        await Sync(Request());

        _sync = NewAgent();
        var report = (await Sync(Request())).Status.PruneResults!.Single();

        report.Phase.Should().Be("Failed");
        report.Message.Should().Contain("restarted");
        _runtime.Calls("Remove").Should().Be(0);
    }

    [Fact]
    public async Task A_new_run_id_of_the_same_prune_runs_again()
    {
        await AgeImages();
        await Sync(Request("r1", mode: "Dangling"));
        (await Sync(Request("r1", mode: "Dangling"))).Status.PruneResults!.Single().ImagesRemoved.Should().Be(1);
        _runtime.Add(Dangling, [], size: 300);
        _time.Advance(TimeSpan.FromDays(2));
        await Sync(Request("r1", mode: "Dangling"));
        _time.Advance(TimeSpan.FromDays(2));

        await Sync(Request("r2", mode: "Dangling"));
        var report = (await Sync(Request("r2", mode: "Dangling"))).Status.PruneResults!.Single();

        report.RunId.Should().Be("r2");
        report.ImagesRemoved.Should().Be(1);
        report.BytesReclaimed.Should().Be(300);
    }
}
