using System.Globalization;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Operator.Tests;

/// <summary>
/// ImagePrune on a real kube-apiserver, the operator running as its own identity bound only by config/rbac and the
/// test playing the agents (it writes NodeImage status as they would). The operator's clock is the real one moved by
/// an offset the test sets, so a minute boundary of the schedule is seconds away and a later one can be reached by a
/// jump, while every timer, lease and watch runs in real time.
/// </summary>
public sealed class ImagePruneEndToEndTests(PruneEnvironment environment) : IClassFixture<PruneEnvironment>, IDisposable
{
    private const string Operator = "operator";
    private readonly ShiftedClock _clock = new();
    private readonly Kubernetes _admin = environment.Api.CreateClient();
    private string _lastScrape = string.Empty;
    private CustomResourceClient<V1Alpha1NodeImage> NodeImages => new(_admin);
    private CustomResourceClient<V1Alpha1ImagePrune> Prunes => new(_admin);

    public void Dispose() => _admin.Dispose();

    private async Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60)
    {
        try
        {
            return await Poll.UntilAsync(probe, what, seconds, 100);
        }
        catch (TimeoutException e)
        {
            // What the objects said, for the failure message.
            var prunes = await environment.Api.KubectlAsync(["get", "imageprunes", "-o", "yaml"]);
            var nodeImages = await environment.Api.KubectlAsync(["get", "nodeimages", "-o", "yaml"]);
            throw new TimeoutException($"{e.Message}\n{prunes.StandardOutput}\n{nodeImages.StandardOutput}\n{_lastScrape}", e);
        }
    }

    [Fact]
    public async Task Scheduled_dry_run_and_run_now_prunes_fan_out_within_parallelism_report_and_clean_up()
    {
        foreach (var name in new[] { "w1", "w2", "w3", "db1" })
        {
            await CreateNodeAsync(name, name.StartsWith('w') ? "web" : "db");
        }

        // w1 already carries an ImagePrePull's entry and w2 another ImagePrune's request: both must survive.
        var wanted = new WantedImage { Reference = "registry.example/app:1", Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "warm" }] };
        await NodeImages.CreateAsync(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "w1" }, Spec = new NodeImageSpec { Images = [wanted] } });
        await NodeImages.CreateAsync(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "w2" }, Spec = new NodeImageSpec { PruneRequests = [new PruneRequest { Name = "weekly", RunId = "w-1" }] } });

        var (app, metricsPort) = await StartOperatorAsync("prune-a");
        await using var operatorHost = app;
        await using var stop = app;
        using var http = new HttpClient();
        _clock.MinuteBoundaryIn(TimeSpan.FromSeconds(8));
        var boundary = _clock.NextMinute();
        await Prunes.CreateAsync(new V1Alpha1ImagePrune
        {
            Metadata = new V1ObjectMeta { Name = "nightly" },
            Spec = new ImagePruneSpec { Schedule = "* * * * *", NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["pool"] = "web" } }, Mode = "Unused", OlderThan = "1h", Keep = ["*:stable"], Parallelism = 2 },
        });
        await Eventually(
            async () => (await Prunes.GetAsync(null, "nightly"))?.Status is { } s && (s.NextScheduleTime == boundary.UtcDateTime || s.LastScheduleTime == boundary.UtcDateTime) ? s : null,
            "the status says when the first run is due");
        var wakeups = app.Services.GetRequiredService<CronWakeups>();
        (await wakeups.TriggersAsync(CancellationToken.None)).GetValueOrDefault(("ImagePrune", "nightly")).Should().Be(new WakeupTime("0 * * * * ?", TimeZoneInfo.Utc), "the leader's Quartz scheduler wakes the prune every minute");

        // The run starts at the boundary on two nodes (parallelism), neither the third nor the unselected one.
        var runId = PruneRunPlanner.Stamp(boundary);
        await Eventually(async () => (await AskedAsync("nightly", runId)).Count == 2 ? "asked" : null, "two nodes get the request at the scheduled time", 30);
        (await AskedAsync("nightly", runId)).Should().Equal("w1", "w2");
        (await NodeImages.GetAsync(null, "db1")).Should().BeNull();
        (await NodeImages.GetAsync(null, "w1"))!.Spec.Images!.Single().Reference.Should().Be(wanted.Reference, "the ImagePrePull's entry is kept");
        (await NodeImages.GetAsync(null, "w2"))!.Spec.PruneRequests!.Select(r => r.Name).Should().Equal("weekly", "nightly");
        var request = (await NodeImages.GetAsync(null, "w1"))!.Spec.PruneRequests!.Single();
        (request.Mode, request.OlderThan, request.DryRun).Should().Be(("Unused", "1h", false));
        request.Keep.Should().Equal("*:stable");
        var running = (await Prunes.GetAsync(null, "nightly"))!;
        running.Status!.LastScheduleTime.Should().Be(boundary.UtcDateTime);
        KStatus.Read(running.Metadata.Generation, running.Status.ObservedGeneration, running.Status.Conditions).Should().Be(Progress.InProgress);

        // Agents report; a finished node frees its slot for w3.
        await ReportAsync("w1", "nightly", runId, "Succeeded", removed: 2, planned: 2000, freed: 1500);
        await Eventually(async () => (await AskedAsync("nightly", runId)).Contains("w3") ? "asked" : null, "w3 is asked once w1 finished");
        await ReportAsync("w2", "nightly", runId, "Succeeded", removed: 1, planned: 500, freed: 500);
        await ReportAsync("w3", "nightly", runId, "Failed", message: "image filesystem unavailable");
        var done = await Eventually(async () => (await Prunes.GetAsync(null, "nightly")) is { Status.LastRun.CompletionTime: not null } p ? p : null, "the run finishes");
        var run = done.Status!.LastRun!;
        (run.RunId, run.Nodes, run.FailedNodes, run.ImagesRemoved, run.BytesPlanned, run.BytesReclaimed).Should().Be((runId, 3, 1, 3, 2500L, 2000L));
        done.Status.NodeResults!.First().Should().BeEquivalentTo(new NodePruneResult { Node = "w3", Phase = "Failed", Message = "image filesystem unavailable" });
        Conditions.IsTrue(done.Status.Conditions, PruneConditions.Degraded).Should().BeTrue();
        await Eventually(async () => (await AskedAsync("nightly", null)).Count == 0 ? "removed" : null, "the finished run's requests are removed");
        (await NodeImages.GetAsync(null, "w2"))!.Spec.PruneRequests!.Single().Name.Should().Be("weekly", "another ImagePrune's request is kept");
        (await NodeImages.GetAsync(null, "w1"))!.Spec.Images.Should().ContainSingle();
        (await EventsAsync("nightly")).Should().Contain(e => e.Reason == "RunStarted" && e.Message.Contains(runId)).And.Contain(e => e.Reason == "RunFailed" && e.Type == "Warning" && e.Message.Contains("w3: image filesystem unavailable"));
        await Eventually(
            async () =>
            {
                var text = _lastScrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
                return Exported(text, "longshore_imageprune_runs_total", 1, "name=\"nightly\"", "result=\"failed\"")
                    && Exported(text, "longshore_imageprune_bytes_reclaimed_total", 2000, "name=\"nightly\"")
                    && Exported(text, "longshore_imageprune_last_run_bytes", 2500, "name=\"nightly\"", "kind=\"planned\"")
                    && text.Contains("longshore_imageprune_next_run_timestamp_seconds{", StringComparison.Ordinal)
                    ? text : null;
            },
            "the leader exports the run");

        // Suspended: a boundary passes and nothing runs; the run-now annotation still starts a (dry) run.
        await Prunes.PatchAsync(null, "nightly", new { spec = new { suspend = true, dryRun = true } });
        await Eventually(async () => (await Prunes.GetAsync(null, "nightly")) is { Status.NextScheduleTime: null } p && p.Status.ObservedGeneration == p.Metadata.Generation ? p : null, "suspension shows");
        await Eventually(async () => (await wakeups.TriggersAsync(CancellationToken.None)).ContainsKey(("ImagePrune", "nightly")) ? null : "removed", "suspension removes the Quartz trigger");
        _clock.Jump(TimeSpan.FromMinutes(2));
        await Prunes.PatchAsync(null, "nightly", new { metadata = new { annotations = new Dictionary<string, string> { [PruneRunPlanner.RunNowAnnotation] = "first" } } });
        var manual = await Eventually(async () => (await Prunes.GetAsync(null, "nightly"))?.Status?.ActiveRun?.RunId is { } id ? id : null, "run-now starts a run");
        manual.Should().StartWith("manual-");
        await Eventually(async () => (await AskedAsync("nightly", manual)).Count == 2 ? "asked" : null, "the manual run asks two nodes");
        (await NodeImages.GetAsync(null, "w1"))!.Spec.PruneRequests!.Single().DryRun.Should().BeTrue();
        foreach (var node in new[] { "w1", "w2" })
        {
            await ReportAsync(node, "nightly", manual, "Succeeded", removed: 4, planned: 4000);
        }

        await Eventually(async () => (await AskedAsync("nightly", manual)).Contains("w3") ? "asked" : null, "w3 is asked");
        await ReportAsync("w3", "nightly", manual, "Succeeded", removed: 1, planned: 100);
        var dry = await Eventually(async () => (await Prunes.GetAsync(null, "nightly")) is { Status.LastRun.RunId: var id } p && id == manual ? p : null, "the dry run finishes");
        (dry.Status!.LastRun!.DryRun, dry.Status.LastRun.ImagesRemoved, dry.Status.LastRun.BytesPlanned, dry.Status.LastRun.BytesReclaimed).Should().Be((true, 9, 8100L, 0L));
        dry.Status.LastScheduleTime.Should().Be(boundary.UtcDateTime, "no scheduled run while suspended, though two boundaries passed");
        Conditions.IsTrue(dry.Status.Conditions, PruneConditions.Degraded).Should().BeFalse();

        // The same value again starts nothing; a new value starts another run.
        await Prunes.PatchAsync(null, "nightly", new { metadata = new { labels = new Dictionary<string, string> { ["touched"] = "yes" } } });
        await Task.Delay(TimeSpan.FromSeconds(1));
        (await Prunes.GetAsync(null, "nightly"))!.Status!.ActiveRun.Should().BeNull();
        _clock.Jump(TimeSpan.FromSeconds(2));
        await Prunes.PatchAsync(null, "nightly", new { metadata = new { annotations = new Dictionary<string, string> { [PruneRunPlanner.RunNowAnnotation] = "second" } } });
        await Eventually(async () => (await Prunes.GetAsync(null, "nightly"))?.Status?.ActiveRun?.RunId is { } id && id != manual ? id : null, "a changed value starts another run");
        await Eventually(
            async () => Exported(await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics")), "longshore_imageprune_runs_total", 1, "name=\"nightly\"", "result=\"dry_run\"") ? "exported" : null,
            "the dry run is counted");

        // Deleting removes the run's requests (finalizer) and the series.
        await Prunes.DeleteAsync(null, "nightly");
        await Eventually(async () => await Prunes.GetAsync(null, "nightly") is null && (await AskedAsync("nightly", null)).Count == 0 ? "gone" : null, "deletion removes the requests");
        (await wakeups.TriggersAsync(CancellationToken.None)).Should().NotContainKey(("ImagePrune", "nightly"));
        await app.StopAsync();
    }

    [Fact]
    public async Task A_new_leader_carries_on_from_the_status_without_repeating_a_recorded_run_and_starts_a_missed_one_within_the_deadline()
    {
        await CreateNodeAsync("f1", "failover");
        var (a, _) = await StartOperatorAsync("prune-leader-a");
        var (b, _) = await StartOperatorAsync("prune-leader-b");
        await using var stopB = b;
        await Eventually(async () => await HolderAsync() == "prune-leader-a" ? "a" : null, "a leads");
        _clock.MinuteBoundaryIn(TimeSpan.FromSeconds(8));
        var first = _clock.NextMinute();
        await Prunes.CreateAsync(new V1Alpha1ImagePrune
        {
            Metadata = new V1ObjectMeta { Name = "failover" },
            Spec = new ImagePruneSpec { Schedule = "* * * * *", StartingDeadlineSeconds = 30, NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["pool"] = "failover" } } },
        });
        var firstId = PruneRunPlanner.Stamp(first);
        await Eventually(async () => (await AskedAsync("failover", firstId)).Count == 1 ? "asked" : null, "a starts the first run", 30);
        await ReportAsync("f1", "failover", firstId, "Succeeded", removed: 1, planned: 10, freed: 10);
        await Eventually(async () => (await Prunes.GetAsync(null, "failover"))?.Status?.LastRun?.RunId == firstId ? "done" : null, "the first run finishes");
        await ClearReportsAsync("f1");

        // a goes away; by the time b leads, the next scheduled time was missed by 5 s, within the 30 s deadline.
        await a.StopAsync();
        await a.DisposeAsync();
        _clock.Jump(_clock.NextMinute() - _clock.GetUtcNow() + TimeSpan.FromSeconds(5));
        await Eventually(async () => await HolderAsync() == "prune-leader-b" ? "b" : null, "b takes over");
        var secondId = PruneRunPlanner.Stamp(first.AddMinutes(1));
        await Eventually(async () => (await AskedAsync("failover", secondId)).Count == 1 ? "asked" : null, "b starts the missed run");
        var status = (await Prunes.GetAsync(null, "failover"))!.Status!;
        status.LastScheduleTime.Should().Be(first.AddMinutes(1).UtcDateTime);
        (await EventsAsync("failover")).Where(e => e.Reason == "RunStarted").Select(e => e.Message).Should().ContainSingle(m => m.Contains(firstId)).And.ContainSingle(m => m.Contains(secondId));

        // A missed time older than the deadline is skipped, with a warning, and its requests never written.
        await ReportAsync("f1", "failover", secondId, "Succeeded");
        await Eventually(async () => (await Prunes.GetAsync(null, "failover"))?.Status?.LastRun?.RunId == secondId ? "done" : null, "the missed run finishes");
        _clock.Jump(_clock.NextMinute() - _clock.GetUtcNow() + TimeSpan.FromSeconds(40));
        await Prunes.PatchAsync(null, "failover", new { spec = new { parallelism = 2 } });
        await Eventually(async () => (await EventsAsync("failover")).Any(e => e.Reason == "MissedSchedule") ? "warned" : null, "the skipped run is reported");
        (await Prunes.GetAsync(null, "failover"))!.Status!.ActiveRun.Should().BeNull();
        await b.StopAsync();
    }

    private async Task<(WebApplication App, int MetricsPort)> StartOperatorAsync(string identity)
    {
        var options = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaseDuration = TimeSpan.FromSeconds(4),
            Identity = identity,
        };
        var client = environment.Api.CreateClient(environment.Api.Identities[Operator]);
        var app = OperatorHost.Build(options, client, time: _clock);
        await app.StartAsync();

        // Caches synced (and, alone, leading) before the test sets a schedule a few seconds away.
        using var http = new HttpClient();
        await Eventually(
            async () => (await http.GetAsync(new Uri($"http://127.0.0.1:{options.MetricsPort}/readyz"))).IsSuccessStatusCode ? "ready" : null,
            $"{identity} is ready");
        return (app, options.MetricsPort);
    }

    /// <summary>Whether the scrape has the series with these labels (in any order) at this value.</summary>
    private static bool Exported(string scrape, string metric, double value, params string[] labels) =>
        scrape.Split('\n').Any(line =>
            line.StartsWith(metric + "{", StringComparison.Ordinal)
            && labels.All(l => line.Contains(l, StringComparison.Ordinal))
            && double.TryParse(line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && v == value);

    private async Task CreateNodeAsync(string name, string pool) =>
        await _admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["pool"] = pool } } });

    private async Task<List<string>> AskedAsync(string prune, string? runId) =>
        (await NodeImages.ListAsync(new ListOptions(), CancellationToken.None)).Items
            .Where(n => n.Spec.PruneRequests?.Any(r => r.Name == prune && (runId is null || r.RunId == runId)) == true)
            .Select(n => n.Metadata.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

    private async Task ReportAsync(string node, string prune, string runId, string phase, int removed = 0, long planned = 0, long freed = 0, string? message = null)
    {
        var current = await NodeImages.GetAsync(null, node);
        var results = (current!.Status?.PruneResults ?? []).Where(r => r.Name != prune).ToList();
        results.Add(new NodePruneReport
        {
            Name = prune,
            RunId = runId,
            Phase = phase,
            StartTime = DateTime.UtcNow,
            CompletionTime = DateTime.UtcNow,
            ImagesRemoved = removed,
            BytesPlanned = planned,
            BytesReclaimed = freed,
            Message = message,
        });
        await NodeImages.PatchStatusAsync(null, node, new { status = new { pruneResults = results, heartbeatTime = DateTime.UtcNow } });
    }

    private async Task ClearReportsAsync(string node) =>
        await NodeImages.PatchStatusAsync(null, node, new { status = new { pruneResults = Array.Empty<NodePruneReport>() } });

    private async Task<List<Corev1Event>> EventsAsync(string name) =>
        (await _admin.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={name}")).Items.ToList();

    private async Task<string?> HolderAsync()
    {
        try
        {
            return (await _admin.CoordinationV1.ReadNamespacedLeaseAsync("longshore-operator", OperatorInstall.Namespace)).Spec.HolderIdentity;
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            return null;
        }
    }

    /// <summary>The real clock moved by an offset the test sets; timers stay real.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        /// <summary>Moves the clock so that the next minute boundary is <paramref name="delay"/> away.</summary>
        /// <remarks>
        /// Only forwards, and by less than a minute past the real time, so the API server's creation times stay before
        /// the operator's now and no earlier boundary falls between them.
        /// </remarks>
        public void MinuteBoundaryIn(TimeSpan delay)
        {
            while (NextMinute() - GetUtcNow() < delay + TimeSpan.FromSeconds(1))
            {
                Thread.Sleep(NextMinute() - GetUtcNow() + TimeSpan.FromMilliseconds(200));
            }

            Jump(NextMinute() - GetUtcNow() - delay);
        }

        public DateTimeOffset NextMinute()
        {
            var now = GetUtcNow();
            return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        }

        public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
