using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Operator.Tests;

/// <summary>
/// Runs played through the planner on a fake clock, the test standing in for the API server (it applies the planned
/// status and NodeImage entries) and for the agents (it writes their reports).
/// </summary>
public sealed class PruneRunPlannerTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Cluster
    {
        public Cluster(string schedule = "0 3 * * *", int parallelism = 2, params string[] nodes)
        {
            Prune = new V1Alpha1ImagePrune
            {
                Metadata = new V1ObjectMeta { Name = "nightly", Generation = 1, CreationTimestamp = Created.UtcDateTime },
                Spec = new ImagePruneSpec { Schedule = schedule, Mode = "Unused", OlderThan = "168h", Keep = ["*:stable"], Parallelism = parallelism },
            };
            Nodes = nodes.Length == 0 ? ["n1", "n2", "n3", "n4", "n5"] : nodes.ToList();
            NodeImages = Nodes.ToDictionary(n => n, n => new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = n }, Spec = new NodeImageSpec(), Status = new NodeImageStatus() });
        }

        public FakeTimeProvider Clock { get; } = new(Created.AddHours(1));

        public V1Alpha1ImagePrune Prune { get; }

        public List<string> Nodes { get; }

        public Dictionary<string, V1Alpha1NodeImage> NodeImages { get; }

        public List<PruneEvent> Events { get; } = [];

        public List<PruneRun> Finished { get; } = [];

        public PrunePlan Reconcile()
        {
            var schedule = CronSchedule.TryParse(Prune.Spec.Schedule, Prune.Spec.TimeZone, out var s, out var error) ? s : null;
            var plan = PruneRunPlanner.Plan(Prune, schedule, error, Nodes, NodeImages.Values, Clock.GetUtcNow());
            Prune.Status = plan.Status;
            foreach (var (node, request) in plan.Requests)
            {
                var spec = NodeImages[node].Spec;
                spec.PruneRequests = (spec.PruneRequests ?? []).Where(r => r.Name != Prune.Metadata.Name).Concat(request is null ? [] : [request]).ToList();
            }

            Events.AddRange(plan.Events);
            if (plan.Finished is { } run)
            {
                Finished.Add(run);
            }

            return plan;
        }

        public IEnumerable<string> Asked(string? runId = null) =>
            NodeImages.Values.Where(n => n.Spec.PruneRequests?.Any(r => r.Name == "nightly" && (runId is null || r.RunId == runId)) == true).Select(n => n.Metadata.Name).Order();

        /// <summary>The agent of <paramref name="node"/> reports on the request it holds.</summary>
        public void Report(string node, string phase, int removed = 0, long planned = 0, long freed = 0, string? message = null)
        {
            var request = NodeImages[node].Spec.PruneRequests!.Single(r => r.Name == "nightly");
            var status = NodeImages[node].Status!;
            status.PruneResults = (status.PruneResults ?? []).Where(r => r.Name != "nightly")
                .Append(new NodePruneReport { Name = "nightly", RunId = request.RunId, Phase = phase, ImagesRemoved = removed, BytesPlanned = planned, BytesReclaimed = freed, Message = message })
                .ToList();
        }

        public void ForgetReports()
        {
            foreach (var nodeImage in NodeImages.Values.Where(n => n.Spec.PruneRequests is null or { Count: 0 }))
            {
                nodeImage.Status!.PruneResults = null;
            }
        }
    }

    [Fact]
    public void Nothing_runs_before_the_first_scheduled_time_and_the_wait_is_until_then()
    {
        var cluster = new Cluster();
        var plan = cluster.Reconcile();
        cluster.Asked().Should().BeEmpty();
        plan.Status.NextScheduleTime.Should().Be(new DateTime(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc));
        plan.RequeueAfter.Should().Be(TimeSpan.FromHours(2));
        plan.Progress.Should().Be(Progress.Current);
        Conditions.IsTrue(plan.Status.Conditions, "Ready").Should().BeTrue();
    }

    [Fact]
    public void A_scheduled_run_asks_at_most_parallelism_nodes_at_once_and_sums_their_reports()
    {
        var cluster = new Cluster(parallelism: 2);
        cluster.Clock.SetUtcNow(Created.AddHours(3).AddSeconds(1));
        var plan = cluster.Reconcile();
        plan.Status.LastScheduleTime.Should().Be(new DateTime(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc));
        plan.Status.ActiveRun!.RunId.Should().Be("20261201T030000Z");
        cluster.Asked().Should().Equal("n1", "n2");
        cluster.NodeImages["n1"].Spec.PruneRequests!.Single().Should().BeEquivalentTo(new PruneRequest { Name = "nightly", RunId = "20261201T030000Z", Mode = "Unused", OlderThan = "168h", Keep = ["*:stable"] });
        plan.Progress.Should().Be(Progress.InProgress);
        cluster.Events.Select(e => e.Reason).Should().Equal("RunStarted");

        // A report of Running keeps the slot taken; a finished node frees it for the next.
        cluster.Report("n1", "Running");
        cluster.Reconcile();
        cluster.Asked().Should().Equal("n1", "n2");
        cluster.Report("n1", "Succeeded", removed: 3, planned: 300, freed: 290);
        cluster.Reconcile();
        cluster.Asked().Should().Equal("n1", "n2", "n3");
        cluster.Report("n2", "Succeeded", removed: 1, planned: 100, freed: 100);
        cluster.Report("n3", "Failed", message: "image filesystem not found");
        cluster.Reconcile();
        cluster.Asked().Should().Equal("n1", "n2", "n3", "n4", "n5");
        cluster.Prune.Status!.ActiveRun!.CompletedNodes.Should().Be(3);
        cluster.Report("n4", "Succeeded", removed: 2, planned: 50, freed: 50);
        cluster.Report("n5", "Succeeded");
        plan = cluster.Reconcile();

        cluster.Asked().Should().BeEmpty("a finished run removes its requests");
        plan.Status.ActiveRun.Should().BeNull();
        var run = plan.Status.LastRun!;
        (run.Nodes, run.CompletedNodes, run.FailedNodes, run.ImagesRemoved, run.BytesPlanned, run.BytesReclaimed).Should().Be((5, 5, 1, 6, 450L, 440L));
        run.CompletionTime.Should().NotBeNull();
        plan.Status.NodeResults!.Select(r => r.Node).Should().Equal("n3", "n1", "n2", "n4", "n5");
        plan.Status.NodeResults![0].Message.Should().Be("image filesystem not found");
        cluster.Finished.Should().ContainSingle();
        cluster.Events.Select(e => e.Reason).Should().Equal("RunStarted", "RunFailed");
        cluster.Events[^1].Message.Should().Contain("1 of 5 node(s) failed (n3: image filesystem not found)");
        Conditions.IsTrue(plan.Status.Conditions, PruneConditions.Degraded).Should().BeTrue();
        plan.Progress.Should().Be(Progress.Current);
        plan.Status.NextScheduleTime.Should().Be(new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void A_run_is_never_started_twice_and_runs_never_overlap()
    {
        var cluster = new Cluster(schedule: "*/10 * * * *", parallelism: 5);
        cluster.Clock.SetUtcNow(Created.AddHours(1).AddMinutes(10));
        cluster.Reconcile();
        var first = cluster.Prune.Status!.ActiveRun!.RunId;
        cluster.Reconcile();
        cluster.Events.Count(e => e.Reason == "RunStarted").Should().Be(1);
        foreach (var node in cluster.Nodes)
        {
            cluster.Report(node, "Running");
        }

        // The next time comes while the run is still going: it waits, and the status says it has not started.
        cluster.Clock.SetUtcNow(Created.AddHours(1).AddMinutes(20).AddSeconds(5));
        var plan = cluster.Reconcile();
        plan.Status.ActiveRun!.RunId.Should().Be(first);
        plan.Status.NextScheduleTime.Should().Be(Created.AddHours(1).AddMinutes(20).UtcDateTime);
        cluster.Asked(first).Should().HaveCount(5);

        foreach (var node in cluster.Nodes)
        {
            cluster.Report(node, "Succeeded");
        }

        cluster.Reconcile().RequeueAfter.Should().Be(TimeSpan.FromSeconds(1));
        cluster.ForgetReports();
        plan = cluster.Reconcile();
        plan.Status.ActiveRun!.RunId.Should().Be("20261201T012000Z", "the waiting run starts once the previous one finished");
    }

    [Fact]
    public void Suspend_stops_scheduling_but_the_run_now_annotation_starts_a_run_and_a_changed_value_another()
    {
        var cluster = new Cluster(parallelism: 5);
        cluster.Prune.Spec.Suspend = true;
        cluster.Clock.SetUtcNow(Created.AddHours(3).AddSeconds(1));
        var plan = cluster.Reconcile();
        plan.Status.ActiveRun.Should().BeNull();
        plan.Status.NextScheduleTime.Should().BeNull();
        plan.Status.Conditions!.Single(c => c.Type == "Ready").Reason.Should().Be(PruneConditions.Suspended);

        cluster.Prune.Metadata.Annotations = new Dictionary<string, string> { [PruneRunPlanner.RunNowAnnotation] = "1" };
        plan = cluster.Reconcile();
        plan.Status.ActiveRun!.Trigger.Should().Be("RunNow");
        plan.Status.LastRunNow.Should().Be("1");
        plan.Status.LastScheduleTime.Should().BeNull("a manual run is not a scheduled one");
        foreach (var node in cluster.Nodes)
        {
            cluster.Report(node, "Succeeded");
        }

        cluster.Reconcile();
        cluster.ForgetReports();
        cluster.Reconcile().Status.ActiveRun.Should().BeNull("the same value does not start another run");

        cluster.Clock.Advance(TimeSpan.FromMinutes(1));
        cluster.Prune.Metadata.Annotations[PruneRunPlanner.RunNowAnnotation] = "2";
        cluster.Reconcile().Status.ActiveRun!.RunId.Should().StartWith("manual-");
        cluster.Events.Count(e => e.Reason == "RunStarted").Should().Be(2);
    }

    [Fact]
    public void Run_now_twice_within_one_second_gives_two_distinct_runs()
    {
        var cluster = new Cluster(parallelism: 5, nodes: ["n1"]);
        var ids = new List<string>();
        foreach (var value in new[] { "a", "b", "c" })
        {
            cluster.Prune.Metadata.Annotations = new Dictionary<string, string> { [PruneRunPlanner.RunNowAnnotation] = value };
            ids.Add(cluster.Reconcile().Status.ActiveRun!.RunId!);
            cluster.Report("n1", "Succeeded");
            cluster.Reconcile().Status.LastRun!.RunId.Should().Be(ids[^1]);
            cluster.ForgetReports();
        }

        ids.Should().OnlyHaveUniqueItems("agents run each identity once").And.AllSatisfy(id => id.Should().StartWith("manual-"));
        cluster.Finished.Should().HaveCount(3);
    }

    [Fact]
    public void A_nodes_result_keeps_what_it_left_in_place_and_why_after_its_report_is_gone()
    {
        var cluster = new Cluster(parallelism: 5, nodes: ["n1"]);
        cluster.Clock.SetUtcNow(Created.AddHours(3));
        cluster.Reconcile();
        cluster.Report("n1", "Succeeded", removed: 1);
        var report = cluster.NodeImages["n1"].Status!.PruneResults!.Single();
        report.SkippedCount = 25;
        report.Skipped = Enumerable.Range(0, NodePruneReport.ListLimit).Select(i => new SkippedImage { Image = $"app:{i}", Reason = i == 0 ? PruneSkipReason.InUse : PruneSkipReason.Kept }).ToList();
        var result = cluster.Reconcile().Status.NodeResults!.Single();
        cluster.ForgetReports();
        result.ImagesSkipped.Should().Be(25);
        result.Skipped.Should().HaveCount(NodePruneResult.SkippedLimit);
        result.Skipped![0].Should().BeEquivalentTo(new SkippedImage { Image = "app:0", Reason = PruneSkipReason.InUse });
        cluster.Reconcile().Status.NodeResults!.Single().Should().BeEquivalentTo(result, "the status keeps the last run's results");
    }

    [Fact]
    public void A_dry_run_reports_planned_bytes_and_the_requests_say_dry_run()
    {
        var cluster = new Cluster(parallelism: 5, nodes: ["n1"]);
        cluster.Prune.Spec.DryRun = true;
        cluster.Clock.SetUtcNow(Created.AddHours(3));
        cluster.Reconcile();
        cluster.NodeImages["n1"].Spec.PruneRequests!.Single().DryRun.Should().BeTrue();
        cluster.Report("n1", "Succeeded", removed: 4, planned: 1000);
        var plan = cluster.Reconcile();
        plan.Status.LastRun!.DryRun.Should().BeTrue();
        (plan.Status.LastRun.ImagesRemoved, plan.Status.LastRun.BytesPlanned, plan.Status.LastRun.BytesReclaimed).Should().Be((4, 1000L, 0L));
        cluster.Events[^1].Message.Should().Contain("4 image(s) would be removed, 1000 bytes planned (dry run)");
    }

    [Fact]
    public void A_node_whose_agent_never_answers_fails_after_the_pickup_timeout_instead_of_holding_the_run()
    {
        var cluster = new Cluster(parallelism: 1, nodes: ["n1", "n2"]);
        cluster.Clock.SetUtcNow(Created.AddHours(3));
        var plan = cluster.Reconcile();
        plan.RequeueAfter.Should().Be(PruneRunPlanner.RunningPoll);
        cluster.Clock.Advance(PruneTimeouts.Default.Pickup);
        cluster.Reconcile();
        cluster.Asked().Should().Equal(["n1", "n2"], "the silent node's slot goes to the next");
        cluster.Report("n2", "Succeeded");
        plan = cluster.Reconcile();
        plan.Status.LastRun!.FailedNodes.Should().Be(1);
        plan.Status.NodeResults![0].Should().BeEquivalentTo(new NodePruneResult { Node = "n1", Phase = "Failed", Message = "the agent did not take up the prune request within 00:05:00" });
    }

    [Fact]
    public void A_run_that_started_before_a_leader_change_is_carried_on_not_started_again()
    {
        var cluster = new Cluster(parallelism: 1, nodes: ["n1", "n2"]);
        cluster.Clock.SetUtcNow(Created.AddHours(3));
        cluster.Reconcile();
        var runId = cluster.Prune.Status!.ActiveRun!.RunId;

        // The status was written but the leader died before asking any node: the next leader asks them.
        foreach (var nodeImage in cluster.NodeImages.Values)
        {
            nodeImage.Spec.PruneRequests = null;
        }

        cluster.Clock.Advance(TimeSpan.FromMinutes(2));
        cluster.Reconcile();
        cluster.Asked(runId).Should().Equal("n1");
        cluster.Events.Count(e => e.Reason == "RunStarted").Should().Be(1);
    }

    [Fact]
    public void Leftover_requests_of_another_run_are_removed_and_other_prunes_entries_kept()
    {
        var cluster = new Cluster(nodes: ["n1"]);
        cluster.NodeImages["n1"].Spec.PruneRequests = [new PruneRequest { Name = "nightly", RunId = "old" }, new PruneRequest { Name = "weekly", RunId = "w1" }];
        cluster.Reconcile();
        cluster.NodeImages["n1"].Spec.PruneRequests!.Select(r => r.Name).Should().Equal("weekly");
    }

    [Fact]
    public void A_schedule_that_cannot_be_read_stalls_the_object_and_says_why()
    {
        var cluster = new Cluster(schedule: "0 3 * * 9");
        var plan = cluster.Reconcile();
        plan.Progress.Should().Be(Progress.Failed);
        plan.Status.Conditions!.Single(c => c.Type == "Stalled").Message.Should().Contain("day of week field '9'");
        plan.RequeueAfter.Should().BeNull();
    }

    [Fact]
    public void A_run_missed_beyond_the_starting_deadline_is_skipped_with_a_warning()
    {
        var cluster = new Cluster();
        cluster.Prune.Spec.StartingDeadlineSeconds = 300;
        cluster.Clock.SetUtcNow(Created.AddHours(3).AddMinutes(10));
        var plan = cluster.Reconcile();
        plan.Status.ActiveRun.Should().BeNull();
        cluster.Events.Single().Reason.Should().Be("MissedSchedule");
        plan.Status.NextScheduleTime.Should().Be(Created.AddHours(3).UtcDateTime, "the skipped time is the next one not started, which alerts can see");
        plan.RequeueAfter.Should().Be(TimeSpan.FromHours(23).Add(TimeSpan.FromMinutes(50)));
    }
}
