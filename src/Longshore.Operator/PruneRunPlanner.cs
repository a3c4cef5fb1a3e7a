using System.Globalization;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Decides, from an ImagePrune, its schedule, the selected nodes and what the NodeImages hold, whether a run starts,
/// which nodes get their prune request next (at most <c>parallelism</c> pruning at once), when the run is finished,
/// and what the status says. Pure: everything it knows comes from the objects (the status records the run in progress
/// and the last scheduled time), so a restarted or new leader carries on where the last one stopped.
/// </summary>
public static class PruneRunPlanner
{
    public const string RunNowAnnotation = "longshore.io/run-now";
    public const int MaxNodeResults = 50;
    public const string ScheduleTrigger = "Schedule";
    public const string RunNowTrigger = "RunNow";

    /// <summary>How often a run in progress is looked at even without a NodeImage change (timeouts, missed watch events).</summary>
    public static readonly TimeSpan RunningPoll = TimeSpan.FromSeconds(30);

    public static PrunePlan Plan(
        V1Alpha1ImagePrune prune,
        CronSchedule? schedule,
        string? scheduleError,
        IReadOnlyList<string> selectedNodes,
        IEnumerable<V1Alpha1NodeImage> nodeImages,
        DateTimeOffset now,
        PruneTimeouts? timeouts = null)
    {
        ArgumentNullException.ThrowIfNull(prune);
        timeouts ??= PruneTimeouts.Default;
        var name = prune.Metadata.Name;
        var spec = prune.Spec;
        var previous = prune.Status;
        var events = new List<PruneEvent>();
        var requests = new Dictionary<string, PruneRequest?>(StringComparer.Ordinal);
        var status = new ImagePruneStatus
        {
            ObservedGeneration = prune.Metadata.Generation,
            LastScheduleTime = previous?.LastScheduleTime,
            LastRunNow = previous?.LastRunNow,
            LastRun = previous?.LastRun,
            NodeResults = previous?.NodeResults,
            ActiveRun = previous?.ActiveRun is { } running ? Copy(running) : null,
        };

        // This object's entries on every NodeImage: its requests, and the agents' reports for them.
        var ours = nodeImages.Select(n => (
                Node: n.Metadata.Name,
                Requests: (n.Spec.PruneRequests ?? []).Where(r => r.Name == name).ToList(),
                Reports: (n.Status?.PruneResults ?? []).Where(r => r.Name == name).ToList()))
            .Where(n => n.Requests.Count > 0 || n.Reports.Count > 0)
            .ToList();

        var created = prune.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : now;
        DateTimeOffset? lastScheduled = status.LastScheduleTime is { } l ? new DateTimeOffset(DateTime.SpecifyKind(l, DateTimeKind.Utc)) : null;
        var decision = schedule is null ? default : PruneSchedule.Evaluate(schedule, created, lastScheduled, spec.StartingDeadlineSeconds, now);

        // Start a run when none is in progress: a new run-now value first, then a due scheduled time.
        var runNow = prune.Metadata.Annotations?.TryGetValue(RunNowAnnotation, out var value) == true && !string.IsNullOrEmpty(value) ? value : null;
        if (status.ActiveRun is null)
        {
            if (runNow is not null && runNow != status.LastRunNow)
            {
                status.ActiveRun = NewRun(ManualRunId(now, status.LastRun?.RunId), RunNowTrigger, null, spec, now);
                status.LastRunNow = runNow;
                events.Add(PruneEvent.Normal("RunStarted", $"run {status.ActiveRun.RunId} started by the {RunNowAnnotation} annotation ({Describe(spec)})"));
            }
            else if (schedule is not null && !spec.Suspend && decision.Due is { } due)
            {
                status.ActiveRun = NewRun(Stamp(due), ScheduleTrigger, due, spec, now);
                status.LastScheduleTime = due.UtcDateTime;
                lastScheduled = due;
                events.Add(PruneEvent.Normal("RunStarted", $"run {status.ActiveRun.RunId} for {due.UtcDateTime:u} started ({Describe(spec)})"));
            }
            else if (schedule is not null && !spec.Suspend && decision.Missed is { } missed)
            {
                events.Add(PruneEvent.Warning(
                    "MissedSchedule",
                    $"the run scheduled for {missed.UtcDateTime:u} is skipped: it was missed by more than startingDeadlineSeconds ({spec.StartingDeadlineSeconds}s)"));
            }
        }

        // Entries of runs other than the one in progress go (a finished run's, or one whose start was never recorded).
        foreach (var node in ours.Where(n => n.Requests.Any(r => r.RunId != status.ActiveRun?.RunId)))
        {
            requests[node.Node] = node.Requests.FirstOrDefault(r => r.RunId == status.ActiveRun?.RunId);
        }

        PruneRun? finished = null;
        var requeue = new List<TimeSpan>();
        if (status.ActiveRun is { } run)
        {
            var runId = run.RunId;
            var asked = ours.Where(n => n.Requests.Any(r => r.RunId == runId)).Select(n => n.Node);
            var reports = ours.SelectMany(n => n.Reports.Where(r => r.RunId == runId).Take(1).Select(r => (n.Node, Report: r)))
                .ToDictionary(x => x.Node, x => x.Report, StringComparer.Ordinal);
            var inRun = asked.Concat(reports.Keys).ToHashSet(StringComparer.Ordinal);
            var done = reports.Where(r => r.Value.Phase is "Succeeded" or "Failed").Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            var startTimes = (run.InFlight ?? []).Where(s => s.StartTime is not null)
                .GroupBy(s => s.Node, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new DateTimeOffset(DateTime.SpecifyKind(g.First().StartTime!.Value, DateTimeKind.Utc)), StringComparer.Ordinal);

            var inFlight = inRun.Where(n => !done.Contains(n)).Order(StringComparer.Ordinal)
                .Select(n => (Node: n, Start: startTimes.TryGetValue(n, out var s) ? s : now))
                .ToList();
            var timedOut = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (node, start) in inFlight)
            {
                if (!reports.ContainsKey(node) && now - start >= timeouts.Pickup)
                {
                    timedOut[node] = $"the agent did not take up the prune request within {timeouts.Pickup}";
                }
                else if (now - start >= timeouts.Finish)
                {
                    timedOut[node] = $"the agent did not finish within {timeouts.Finish}";
                }
                else
                {
                    requeue.Add((reports.ContainsKey(node) ? start + timeouts.Finish : start + timeouts.Pickup) - now);
                }
            }

            var busy = inFlight.Count - timedOut.Count;
            var pending = selectedNodes.Where(n => !inRun.Contains(n)).Order(StringComparer.Ordinal).ToList();
            var starting = pending.Take(Math.Max(0, spec.Parallelism - busy)).ToList();
            foreach (var node in starting)
            {
                requests[node] = RequestFor(name, runId!, spec, run.DryRun);
                inFlight.Add((node, now));
            }

            var results = done.Select(n => ResultOf(n, reports[n]))
                .Concat(timedOut.Select(t => new NodePruneResult { Node = t.Key, Phase = "Failed", Message = t.Value }))
                .ToList();
            run.Nodes = inRun.Count + pending.Count;
            run.CompletedNodes = results.Count;
            run.FailedNodes = results.Count(r => r.Phase == "Failed");
            run.ImagesRemoved = results.Sum(r => r.ImagesRemoved);
            run.BytesPlanned = results.Sum(r => r.BytesPlanned);
            run.BytesReclaimed = results.Sum(r => r.BytesReclaimed);
            run.InFlight = inFlight.Select(f => new PruneNodeStart { Node = f.Node, StartTime = f.Start.UtcDateTime }).OrderBy(f => f.Node, StringComparer.Ordinal).ToList();

            if (pending.Count == starting.Count && starting.Count == 0 && busy == 0)
            {
                run.CompletionTime = now.UtcDateTime;
                run.InFlight = null;
                finished = run;
                status.LastRun = run;
                status.ActiveRun = null;
                status.NodeResults = results
                    .OrderBy(r => r.Phase == "Failed" ? 0 : 1)
                    .ThenBy(r => r.Node, StringComparer.Ordinal)
                    .Take(MaxNodeResults)
                    .ToList();
                foreach (var node in ours.Where(n => n.Requests.Count > 0))
                {
                    requests[node.Node] = null;
                }

                events.Add(FinishedEvent(run, results));

                // Something else may be due already: a new run-now value, or a scheduled time that came during the run.
                requeue.Add(TimeSpan.FromSeconds(1));
            }
            else
            {
                requeue.Add(RunningPoll);
            }
        }

        // The next scheduled time not yet started: in the past while a due run waits or after one was skipped.
        var next = schedule is null || spec.Suspend ? null : schedule.NextAfter(lastScheduled ?? created);
        status.NextScheduleTime = next?.UtcDateTime;
        if (schedule is not null && !spec.Suspend && decision.Next is { } wake)
        {
            requeue.Add(wake - now);
        }

        var (progress, reason, message) =
            status.ActiveRun is { } active ? (Progress.InProgress, PruneConditions.Running, RunningMessage(active))
            : scheduleError is not null ? (Progress.Failed, PruneConditions.InvalidSchedule, $"schedule {scheduleError}")
            : spec.Suspend ? (Progress.Current, PruneConditions.Suspended, "scheduling is suspended")
            : next is null ? (Progress.Current, PruneConditions.Scheduled, "the schedule has no further runs")
            : next < now ? (Progress.Current, PruneConditions.Scheduled, $"the run scheduled for {next.Value.UtcDateTime:u} did not start (missed or skipped)")
            : (Progress.Current, PruneConditions.Scheduled, $"next run at {next.Value.UtcDateTime:u}");
        var conditions = Conditions.Copy(previous?.Conditions);
        KStatus.Apply(conditions, progress, reason, message, prune.Metadata.Generation, now);
        var failedLast = status.LastRun is { FailedNodes: > 0 } last ? last : null;
        Conditions.Set(
            conditions,
            PruneConditions.Degraded,
            failedLast is not null,
            failedLast is not null ? PruneConditions.PruneFailed : PruneConditions.AsExpected,
            failedLast is not null ? $"{failedLast.FailedNodes} of {failedLast.Nodes} node(s) failed in run {failedLast.RunId}" : "no failures",
            prune.Metadata.Generation,
            now);
        status.Conditions = conditions;

        var after = requeue.Count == 0 ? (TimeSpan?)null : requeue.Min();
        return new PrunePlan(status, requests, events, finished, progress, after < TimeSpan.Zero ? TimeSpan.Zero : after);
    }

    /// <summary>The request a node gets: the run's identity and dry-run flag, the spec's rules.</summary>
    public static PruneRequest RequestFor(string name, string runId, ImagePruneSpec spec, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new PruneRequest
        {
            Name = name,
            RunId = runId,
            Mode = spec.Mode,
            OlderThan = spec.OlderThan,
            Keep = spec.Keep?.ToList(),
            DiskUsageAbove = spec.DiskUsageAbove,
            DiskUsageTarget = spec.DiskUsageTarget,
            DryRun = dryRun,
        };
    }

    /// <summary>Run identities from times: sortable, unique per scheduled time, valid in any label or name.</summary>
    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A manual run's identity: <c>manual-</c> and the time, with a counter when the last run started in the same second.
    /// Agents run each identity once, so a second run-now within a second must not reuse the first one's.
    /// </summary>
    public static string ManualRunId(DateTimeOffset now, string? lastRunId)
    {
        var id = $"manual-{Stamp(now)}";
        if (lastRunId is null || !lastRunId.StartsWith(id, StringComparison.Ordinal))
        {
            return id;
        }

        var rest = lastRunId.AsSpan(id.Length);
        var count = rest.IsEmpty ? 0 : rest[0] == '-' && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return $"{id}-{count + 1}";
    }

    private static PruneRun NewRun(string runId, string trigger, DateTimeOffset? scheduled, ImagePruneSpec spec, DateTimeOffset now) => new()
    {
        RunId = runId,
        Trigger = trigger,
        ScheduleTime = scheduled?.UtcDateTime,
        StartTime = now.UtcDateTime,
        DryRun = spec.DryRun,
        InFlight = [],
    };

    private static NodePruneResult ResultOf(string node, NodePruneReport report) => new()
    {
        Node = node,
        Phase = report.Phase,
        ImagesRemoved = report.ImagesRemoved,
        BytesPlanned = report.BytesPlanned,
        BytesReclaimed = report.BytesReclaimed,
        ImagesSkipped = report.SkippedCount,
        Skipped = report.Skipped?.Take(NodePruneResult.SkippedLimit).Select(i => new SkippedImage { Image = i.Image, Reason = i.Reason }).ToList(),
        Message = report.Message,
    };

    private static PruneEvent FinishedEvent(PruneRun run, List<NodePruneResult> results)
    {
        var what = run.DryRun
            ? $"{run.ImagesRemoved} image(s) would be removed, {run.BytesPlanned} bytes planned (dry run)"
            : $"{run.ImagesRemoved} image(s) removed, {run.BytesReclaimed} of {run.BytesPlanned} planned bytes freed";
        if (run.FailedNodes == 0)
        {
            return PruneEvent.Normal(
                "RunFinished",
                run.Nodes == 0 ? $"run {run.RunId} finished: no node matches the nodeSelector" : $"run {run.RunId} finished on {run.Nodes} node(s): {what}");
        }

        var failures = string.Join("; ", results.Where(r => r.Phase == "Failed").OrderBy(r => r.Node, StringComparer.Ordinal).Take(3).Select(r => $"{r.Node}: {r.Message}"));
        return PruneEvent.Warning("RunFailed", $"run {run.RunId}: {run.FailedNodes} of {run.Nodes} node(s) failed ({failures}); {what}");
    }

    private static string RunningMessage(PruneRun run)
    {
        var pruning = run.InFlight?.Count ?? 0;
        return $"run {run.RunId}: {run.CompletedNodes}/{run.Nodes} node(s) done, {pruning} pruning, {run.Nodes - run.CompletedNodes - pruning} waiting";
    }

    private static string Describe(ImagePruneSpec spec) =>
        $"mode {spec.Mode}{(spec.DryRun ? ", dry run" : string.Empty)}, parallelism {spec.Parallelism}";

    private static PruneRun Copy(PruneRun run) => new()
    {
        RunId = run.RunId,
        Trigger = run.Trigger,
        ScheduleTime = run.ScheduleTime,
        StartTime = run.StartTime,
        CompletionTime = run.CompletionTime,
        Nodes = run.Nodes,
        CompletedNodes = run.CompletedNodes,
        FailedNodes = run.FailedNodes,
        ImagesRemoved = run.ImagesRemoved,
        BytesPlanned = run.BytesPlanned,
        BytesReclaimed = run.BytesReclaimed,
        DryRun = run.DryRun,
        InFlight = run.InFlight?.Select(s => new PruneNodeStart { Node = s.Node, StartTime = s.StartTime }).ToList(),
    };
}
