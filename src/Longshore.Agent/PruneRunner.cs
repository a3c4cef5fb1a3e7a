using Longshore.Api;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// Executes the prune requests in a NodeImage spec, each (name, runId) once: the first pass reports it Running (and
/// records it as run, durably), the next plans it, removes the planned images through the runtime (unless dryRun),
/// re-checking just before each removal that no container uses it and nothing pinned it, measures what was freed and
/// reports Succeeded or Failed. A report stays while its request does. A run found Running after an agent restart is
/// reported Failed, never repeated.
/// </summary>
public sealed class PruneRunner(IImageRuntime runtime, ImageUseStore uses, TimeProvider time, ILogger logger)
{
    // This process's latest report per run: authoritative over the status passed in, which may lag its own writes.
    private readonly Dictionary<(string Name, string RunId), NodePruneReport> _reports = [];
    private readonly HashSet<(string Name, string RunId)> _pending = [];

    /// <summary>The reports to write for <paramref name="requests"/>, and whether a started run waits for the next pass.</summary>
    public async Task<(List<NodePruneReport> Reports, bool RunPending)> ReconcileAsync(
        IReadOnlyList<PruneRequest>? requests,
        IReadOnlyList<NodePruneReport>? previous,
        RuntimeSnapshot snapshot,
        IReadOnlySet<string> wanted,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var reports = new List<NodePruneReport>();
        var pending = false;
        var seen = new HashSet<(string, string)>();
        foreach (var request in requests ?? [])
        {
            var key = (request.Name, request.RunId);
            if (!seen.Add(key))
            {
                continue;
            }

            if (_reports.TryGetValue(key, out var mine))
            {
                if (_pending.Remove(key))
                {
                    _reports[key] = mine = await RunAsync(request, mine.StartTime, snapshot, wanted, cancellationToken);
                }

                reports.Add(mine);
                continue;
            }

            var last = previous?.FirstOrDefault(r => r.Name == request.Name && r.RunId == request.RunId);
            NodePruneReport report;
            if (last is { Phase: "Succeeded" or "Failed" })
            {
                report = last;
            }
            else if (last is not null || uses.HasRun(request.Name, request.RunId))
            {
                report = Finished(request, last?.StartTime, "Failed", "the agent restarted during this run; a run is never repeated");
            }
            else
            {
                uses.MarkRun(request.Name, request.RunId);
                _pending.Add(key);
                pending = true;
                report = new NodePruneReport { Name = request.Name, RunId = request.RunId, Phase = "Running", StartTime = time.GetUtcNow().UtcDateTime };
                logger.LogInformation("Prune {Prune} run {RunId} starting ({Mode}{DryRun})", request.Name, request.RunId, request.Mode, request.DryRun ? ", dry run" : string.Empty);
            }

            _reports[key] = report;
            reports.Add(report);
        }

        foreach (var gone in _reports.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _reports.Remove(gone);
            _pending.Remove(gone);
        }

        return (reports, pending);
    }

    private async Task<NodePruneReport> RunAsync(PruneRequest request, DateTime? startTime, RuntimeSnapshot snapshot, IReadOnlySet<string> wanted, CancellationToken cancellationToken)
    {
        PruneCriteria criteria;
        try
        {
            criteria = PruneCriteria.From(request);
        }
        catch (ArgumentException e)
        {
            return Finished(request, startTime, "Failed", $"bad request: {e.Message}");
        }

        try
        {
            var content = await runtime.ContentAsync(cancellationToken);
            var plan = PrunePlanner.Plan(criteria, snapshot, content, wanted, uses.LastUsed, time.GetUtcNow());
            var report = Finished(request, startTime, "Succeeded", plan.Note);
            report.BytesPlanned = plan.BytesPlanned;
            var skipped = plan.Skipped.ToList();
            if (request.DryRun)
            {
                report.ImagesRemoved = plan.Removals.Count;
                report.Removed = Bounded(plan.Removals.Select(r => NameOf(r.Image)));
                Skip(report, skipped);
                Log(request, report);
                return report;
            }

            var before = await UsedBytesAsync(content is not null, cancellationToken);
            var removed = new List<RuntimeImage>();
            var errors = new List<string>();
            foreach (var removal in plan.Removals)
            {
                // Re-checked just before removing: a container may have started, or someone pinned it, since planning.
                var inUse = await runtime.InUseImageIdsAsync(cancellationToken);
                var current = await runtime.ImageStatusAsync(removal.Image.Id, cancellationToken);
                if (current is null)
                {
                    continue;
                }

                if (PrunePlanner.InUse(inUse, current) || current.Pinned)
                {
                    skipped.Add(new PruneSkip(current, current.Pinned ? PruneSkipReason.Pinned : PruneSkipReason.InUse));
                    continue;
                }

                try
                {
                    await runtime.RemoveAsync(current.Id, cancellationToken);
                    removed.Add(current);
                }
                catch (RuntimeException e)
                {
                    errors.Add($"{NameOf(current)}: {e.Message}");
                }
            }

            var after = await UsedBytesAsync(content is not null, cancellationToken);
            report.ImagesRemoved = removed.Count;
            report.Removed = Bounded(removed.Select(NameOf));
            report.BytesReclaimed = before is { } b && after is { } a ? Math.Max(0, b - a) : 0;
            Skip(report, skipped);
            var notes = new List<string?> { plan.Note, plan.Exact ? null : "the runtime cannot list its content: planned bytes are the images' reported sizes, shared layers counted in each" };
            if (errors.Count > 0)
            {
                report.Phase = "Failed";
                notes.Insert(0, $"{errors.Count} of {plan.Removals.Count} removals failed, first: {errors[0]}");
            }

            report.Message = string.Join("; ", notes.Where(n => n is not null)) is { Length: > 0 } message ? message : null;
            Log(request, report);
            return report;
        }
        catch (RuntimeException e)
        {
            logger.LogWarning(e, "Prune {Prune} run {RunId} failed", request.Name, request.RunId);
            return Finished(request, startTime, "Failed", e.Message);
        }
    }

    /// <summary>The content store's total where the runtime lists it (exact), else the image filesystem's used bytes.</summary>
    private async Task<long?> UsedBytesAsync(bool content, CancellationToken cancellationToken) =>
        content && await runtime.ContentAsync(cancellationToken) is { } listing
            ? listing.TotalBytes
            : (await runtime.FilesystemUsageAsync(cancellationToken))?.UsedBytes;

    private NodePruneReport Finished(PruneRequest request, DateTime? startTime, string phase, string? message) => new()
    {
        Name = request.Name,
        RunId = request.RunId,
        Phase = phase,
        StartTime = startTime,
        CompletionTime = time.GetUtcNow().UtcDateTime,
        Message = message,
    };

    private void Log(PruneRequest request, NodePruneReport report) =>
        logger.LogInformation(
            "Prune {Prune} run {RunId} {Phase}: {Images} images, {Planned} bytes planned, {Reclaimed} bytes freed, {Skipped} skipped{DryRun}",
            request.Name,
            request.RunId,
            report.Phase,
            report.ImagesRemoved,
            report.BytesPlanned,
            report.BytesReclaimed,
            report.SkippedCount,
            request.DryRun ? " (dry run)" : string.Empty);

    private static void Skip(NodePruneReport report, List<PruneSkip> skipped)
    {
        report.SkippedCount = skipped.Count;
        report.Skipped = skipped.Count == 0 ? null : skipped.Take(NodePruneReport.ListLimit).Select(s => new SkippedImage { Image = NameOf(s.Image), Reason = s.Reason }).ToList();
    }

    private static List<string>? Bounded(IEnumerable<string> names) => names.Take(NodePruneReport.ListLimit).ToList() is { Count: > 0 } list ? list : null;

    /// <summary>How a report names an image: its first tag, else its first repo digest, else its ID.</summary>
    public static string NameOf(RuntimeImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.RepoTags.Count > 0 ? image.RepoTags[0] : image.RepoDigests.Count > 0 ? image.RepoDigests[0] : image.Id;
    }
}
