using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Runs ImagePrunes: on schedule (the leader's Quartz trigger, <see cref="CronWakeups"/>, queues the object at each
/// scheduled time) or when the run-now annotation changes, it hands prune requests to the selected nodes' agents through their NodeImages, at most
/// <c>parallelism</c> at once, and folds their reports into the status. Thin: <see cref="PruneRunPlanner"/> decides
/// from a fresh read of the object and the caches; this writes the status first (the run is recorded before any node
/// is asked), then the NodeImage entries, then Events and metrics.
/// </summary>
public sealed class ImagePruneReconciler(
    InformerRegistry informers,
    IKubernetes client,
    ImagePruneMetrics metrics,
    TimeProvider time,
    ILogger<ImagePruneReconciler> logger) : IReconciler<V1Alpha1ImagePrune>
{
    public const string Finalizer = "longshore.io/imageprune";

    private readonly ObjectCache<V1Node> _nodes = informers.For<V1Node>().Cache;
    private readonly ObjectCache<V1Alpha1NodeImage> _nodeImages = informers.For<V1Alpha1NodeImage>().Cache;
    private readonly CustomResourceClient<V1Alpha1ImagePrune> _pruneClient = new(client);
    private readonly CustomResourceClient<V1Alpha1NodeImage> _nodeImageClient = new(client);
    private readonly EventRecorder _events = new(client, "longshore-operator", logger, time);

    /// <summary>The ImagePrunes a NodeImage holds requests or reports of.</summary>
    public static IEnumerable<ResourceKey> OwnersOf(V1Alpha1NodeImage nodeImage) =>
        (nodeImage.Spec.PruneRequests ?? []).Select(r => r.Name)
            .Concat((nodeImage.Status?.PruneResults ?? []).Select(r => r.Name))
            .Distinct(StringComparer.Ordinal)
            .Select(name => new ResourceKey(string.Empty, name));

    /// <summary>NodeImage changes that matter to a run: its prune requests and reports, adds and deletes; not heartbeats or pulls.</summary>
    public static bool NodeImageChanged(ObjectEvent<V1Alpha1NodeImage> change) =>
        change.Previous is null || change.Type != WatchEventType.Modified || !PruneState(change.Previous).Equals(PruneState(change.Object));

    /// <summary>Spec changes, deletion, and a new value of the run-now annotation.</summary>
    public static bool PruneChanged(ObjectEvent<V1Alpha1ImagePrune> change) =>
        Predicates.GenerationChanged(change) || RunNow(change.Previous) != RunNow(change.Object);

    /// <summary>Node changes re-queue the ImagePrunes with a run in progress: a node may join or leave the selection.</summary>
    public static IEnumerable<ResourceKey> RunningPrunes(V1Node node, ObjectCache<V1Alpha1ImagePrune> prunes) =>
        prunes.Items.Where(p => p.Status?.ActiveRun is not null).Select(p => ResourceKey.Of(p));

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ImagePrune prune, CancellationToken cancellationToken)
    {
        // A fresh read: the decision to start a run must never rest on a status older than the last write.
        var current = await _pruneClient.GetAsync(null, prune.Metadata.Name, cancellationToken);
        if (current is null || Finalizers.IsDeleting(current))
        {
            return ReconcileResult.Done;
        }

        var name = current.Metadata.Name;
        var spec = current.Spec;
        CronSchedule.TryParse(spec.Schedule, spec.TimeZone, out var schedule, out var scheduleError);
        var selected = _nodes.Items
            .Where(n => !Finalizers.IsDeleting(n) && LabelSelectors.Matches(spec.NodeSelector, n.Metadata.Labels))
            .Select(n => n.Metadata.Name)
            .ToList();
        var now = time.GetUtcNow();
        var plan = PruneRunPlanner.Plan(current, schedule, scheduleError, selected, _nodeImages.Items, now);

        await WriteStatusAsync(current, plan.Status, cancellationToken);
        foreach (var item in plan.Events)
        {
            await _events.RecordAsync(current, item.Type, item.Reason, item.Message, cancellationToken);
            logger.LogInformation("ImagePrune {Name}: {Reason}: {Message}", name, item.Reason, item.Message);
        }

        if (plan.Finished is { } finished)
        {
            metrics.RunFinished(name, finished);
        }

        metrics.Record(name, plan.Status);
        await WriteRequestsAsync(name, plan.Requests, cancellationToken);
        logger.LogDebug("reconciled ImagePrune {Name}: {Progress}, next look in {Requeue}", name, plan.Progress, plan.RequeueAfter);
        // The requeue also covers the next scheduled time, as a backstop to Quartz: the queue holds a key once, so the two
        // wake-ups merge or the later finds the run recorded in status.lastScheduleTime and starts nothing (one read).
        // Harmless, and it keeps schedules running should the scheduler fail to start.
        return plan.RequeueAfter is { } after ? ReconcileResult.After(after) : ReconcileResult.Done;
    }

    public async Task FinalizeAsync(V1Alpha1ImagePrune prune, CancellationToken cancellationToken)
    {
        var name = prune.Metadata.Name;
        var holding = _nodeImages.Items
            .Where(n => n.Spec.PruneRequests?.Any(r => r.Name == name) == true)
            .ToDictionary(n => n.Metadata.Name, _ => (PruneRequest?)null, StringComparer.Ordinal);
        await WriteRequestsAsync(name, holding, cancellationToken);
        metrics.Forget(name);
        logger.LogInformation("ImagePrune {Name} deleted: its prune requests are removed from {Count} NodeImage(s)", name, holding.Count);
    }

    private static string? RunNow(V1Alpha1ImagePrune? prune) =>
        prune?.Metadata.Annotations?.TryGetValue(PruneRunPlanner.RunNowAnnotation, out var value) == true ? value : null;

    private static ValueList<(string Name, string RunId, string Phase)> PruneState(V1Alpha1NodeImage nodeImage) =>
        (nodeImage.Spec.PruneRequests ?? []).Select(r => (r.Name, r.RunId, "Requested"))
            .Concat((nodeImage.Status?.PruneResults ?? []).Select(r => (r.Name, r.RunId, r.Phase)))
            .ToValueList();

    /// <summary>Writes the status when it changed, conditional on the version just read: a conflict (409) fails this reconcile, and the queue retries it from a fresh read.</summary>
    private async Task WriteStatusAsync(V1Alpha1ImagePrune current, ImagePruneStatus status, CancellationToken cancellationToken)
    {
        if (current.Status is not null && KubernetesJson.Serialize(current.Status) == KubernetesJson.Serialize(status))
        {
            return;
        }

        // A replace, not a merge patch: a finished run must clear activeRun, and a merge patch cannot send null.
        await _pruneClient.ReplaceStatusAsync(
            new V1Alpha1ImagePrune { Metadata = current.Metadata, Spec = current.Spec, Status = status },
            cancellationToken);
    }

    /// <summary>
    /// Sets this ImagePrune's entry in each NodeImage's spec.pruneRequests, keeping every other entry (other ImagePrunes'
    /// requests; ImagePrePull's spec.images is another field and untouched). Each patch is conditional on the version it
    /// was computed from; a conflict re-reads that NodeImage and merges again.
    /// </summary>
    private Task WriteRequestsAsync(string name, IReadOnlyDictionary<string, PruneRequest?> requests, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            requests,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var existing = _nodeImages.Get(new ResourceKey(string.Empty, entry.Key));
                for (var attempt = 0; attempt < 5; attempt++)
                {
                    if (await TryWriteAsync(name, entry.Key, entry.Value, existing, ct))
                    {
                        return;
                    }

                    existing = await _nodeImageClient.GetAsync(null, entry.Key, ct);
                }

                throw new InvalidOperationException($"NodeImage {entry.Key} kept changing while the prune request of {name} was written");
            });

    /// <summary>One attempt; false on a conflict.</summary>
    private async Task<bool> TryWriteAsync(string name, string node, PruneRequest? request, V1Alpha1NodeImage? existing, CancellationToken cancellationToken)
    {
        try
        {
            if (existing is null)
            {
                // The agent acts only on its NodeImage; a node no ImagePrePull targets has none yet.
                if (request is null || _nodes.Get(new ResourceKey(string.Empty, node)) is not { } owner)
                {
                    return true;
                }

                var created = await _nodeImageClient.CreateAsync(
                    new V1Alpha1NodeImage
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Name = node,
                            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "longshore" },
                            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node, Uid = owner.Metadata.Uid }],
                        },
                        Spec = new NodeImageSpec { PruneRequests = [request] },
                    },
                    cancellationToken);
                _nodeImages.Set(created);
                return true;
            }

            var others = (existing.Spec.PruneRequests ?? []).Where(r => r.Name != name);
            var desired = (request is null ? others : others.Append(request)).ToList();
            if (KubernetesJson.Serialize(existing.Spec.PruneRequests ?? []) == KubernetesJson.Serialize(desired))
            {
                return true;
            }

            var updated = await _nodeImageClient.PatchAsync(
                null,
                node,
                new { metadata = new { resourceVersion = existing.Metadata.ResourceVersion }, spec = new { pruneRequests = desired } },
                cancellationToken);
            _nodeImages.Set(updated);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }
}
