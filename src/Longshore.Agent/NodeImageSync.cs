using Longshore.Api;
using Longshore.Kube;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>
/// The core of the agent, with no API server: makes the runtime hold what a NodeImage spec wants (one listing, a plan,
/// pins and unpins, pulls through the <see cref="PullScheduler"/>) and builds the status to report. The cluster reconciler
/// writes that status through the API; standalone mode keeps it in memory. Each look at the runtime feeds the image-use
/// store (last use per image), and the spec's prune requests are run through the <see cref="PruneRunner"/>.
/// </summary>
/// <param name="uses">The node's image-use store; null keeps last-use times and executed runs in memory only.</param>
public sealed class NodeImageSync(Runtime.IImageRuntime runtime, PullScheduler pulls, TimeProvider time, ILogger logger, AgentMetrics? metrics = null, ImageUseStore? uses = null)
{
    private readonly ImageUseStore _uses = uses ?? ImageUseStore.Open(null, logger);
    private PruneRunner? _prunes;
    private HashSet<string>? _pinnedByUs;

    /// <summary>When containers last used each image, as this agent has seen.</summary>
    public ImageUseStore Uses => _uses;

    public async Task<NodeImageSyncResult> SyncAsync(NodeImageSpec spec, NodeImageStatus? previous, long? generation, CancellationToken cancellationToken)
    {
        var info = await runtime.InfoAsync(cancellationToken);
        var snapshot = await RuntimeSnapshot.TakeAsync(runtime, time, cancellationToken);
        _uses.Observe(snapshot.Images, snapshot.InUse, snapshot.TakenAt);
        var wanted = WantedImages.Merge(spec.Images);
        var before = (previous?.Images ?? []).GroupBy(i => i.Reference, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _pinnedByUs ??= before.Values.Where(p => p.Pinned).Select(p => p.Reference).ToHashSet(StringComparer.Ordinal);

        var plan = NodeImagePlanner.Plan(wanted, snapshot, _pinnedByUs, info, r => pulls.StateOf(r).PulledAt is not null);
        // Unpins first: a moved tag's old image is released before its new one is pulled over the name.
        await runtime.PinAsync(plan.Unpin, false, cancellationToken);
        await runtime.PinAsync(plan.Pin, true, cancellationToken);
        _pinnedByUs = plan.PinnedByUs.ToHashSet(StringComparer.Ordinal);
        pulls.Retain(wanted.Select(w => w.Reference).ToHashSet(StringComparer.Ordinal));

        var now = time.GetUtcNow();
        var entries = new List<NodeImageEntryStatus>();
        var newlyFailed = new List<NodeImageEntryStatus>();
        DateTimeOffset? retryAt = null;
        foreach (var planned in plan.Images)
        {
            var entry = new NodeImageEntryStatus { Reference = planned.Wanted.Reference, Message = planned.Note };
            before.TryGetValue(entry.Reference, out var last);
            if (planned.Found is { } found)
            {
                if (pulls.Present(planned.Request).PulledAt is not null && last is not null && last.Phase != ImagePhase.Present)
                {
                    metrics?.Pulled(found.Size);
                }

                entry.Phase = ImagePhase.Present;
                entry.Digest = NodeImagePlanner.DigestOf(found, entry.Reference) ?? planned.Wanted.Digest;
                entry.Size = found.Size;
                entry.Pinned = planned.Pinned;
            }
            else
            {
                if (last?.Phase == ImagePhase.Present)
                {
                    if (planned.Moved)
                    {
                        logger.LogInformation("{Image}: {Moved}", entry.Reference, planned.Note);
                    }
                    else
                    {
                        logger.LogWarning("{Image} was removed from the runtime behind the agent's back; pulling it again", entry.Reference);
                    }
                }

                var state = pulls.Request(planned.Request, snapshot.TakenAt);
                entry.Attempts = state.Failures;
                (entry.Phase, entry.Reason, entry.Message) = state.Phase switch
                {
                    PullPhase.Pulling => (ImagePhase.Pulling, null, entry.Message),
                    PullPhase.Failed => (ImagePhase.Failed, state.Reason, state.Message),
                    PullPhase.BackingOff => (ImagePhase.Pending, state.Reason, $"retrying after: {state.Message}"),
                    // Pulled after the listing was taken: the next look sees it.
                    PullPhase.Idle when state.PulledAt > snapshot.TakenAt => (ImagePhase.Pulling, null, entry.Message),
                    _ => (ImagePhase.Pending, null, entry.Message),
                };
                if (state.Phase == PullPhase.BackingOff && (retryAt is null || state.NextAttempt < retryAt))
                {
                    retryAt = state.NextAttempt;
                }
            }

            entry.LastTransitionTime = last?.Phase == entry.Phase ? last.LastTransitionTime : now.UtcDateTime;
            if (entry.Phase == ImagePhase.Failed && last?.Phase != ImagePhase.Failed)
            {
                newlyFailed.Add(entry);
            }

            entries.Add(entry);
        }

        var (pruneResults, prunePending) = await (_prunes ??= new PruneRunner(runtime, _uses, time, logger)).ReconcileAsync(spec.PruneRequests, previous?.PruneResults, snapshot, WantedIds(wanted, snapshot), cancellationToken);
        if (prunePending)
        {
            // A run reported Running is carried out on the next pass, right after that report is written.
            retryAt = now;
        }

        var present = entries.Count(e => e.Phase == ImagePhase.Present);
        var failed = entries.Count(e => e.Phase == ImagePhase.Failed);
        metrics?.Observe(wanted.Count, present, entries.Count(e => e.Pinned));
        var status = new NodeImageStatus
        {
            ObservedGeneration = generation,
            Images = entries,
            Inventory = snapshot.Inventory(plan.Pin, plan.Unpin),
            PruneResults = pruneResults.Count > 0 ? pruneResults : null,
            Runtime = new Api.RuntimeInfo { Name = info.Name, Version = info.Version, PinningSupported = info.PinningSupported },
            HeartbeatTime = previous?.HeartbeatTime,
            Conditions = Conditions.Copy(previous?.Conditions),
        };
        Conditions.Set(
            status.Conditions,
            "Ready",
            present == wanted.Count,
            present == wanted.Count ? "AllPresent" : failed > 0 ? "PullFailed" : "Pulling",
            $"{present}/{wanted.Count} wanted images present",
            generation,
            now);
        return new NodeImageSyncResult(status, !NodeImageStatusValues.Same(status, previous), newlyFailed, retryAt);
    }

    /// <summary>Images a NodeImage entry wants: under its reference (even a moved tag's current image), its digest or repo digest.</summary>
    private static HashSet<string> WantedIds(IEnumerable<WantedImage> wanted, RuntimeSnapshot snapshot)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in wanted)
        {
            var names = new List<string> { image.Reference };
            if (Oci.ImageReference.TryParse(image.Reference, out var parsed))
            {
                names.AddRange(new[] { image.Digest, image.RepoDigest }.OfType<string>().Select(d => $"{parsed!.Repository}@{d}"));
            }

            ids.UnionWith(names.Select(snapshot.Find).OfType<Runtime.RuntimeImage>().Select(i => i.Id));
        }

        return ids;
    }
}
