using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Runtime;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>
/// Makes one node's NodeImage true: pulls wanted images that are missing (a bounded number at once, each attempt
/// limited by pullTimeout, retried with back-off up to backoffLimit), pins and unpins as asked, puts back images removed
/// behind its back (called at once on the runtime's removal events, and on every resync), and reports phase, digest and
/// size per image plus an inventory in status.
/// Pulls run in the background so status shows Pulling while they last.
/// </summary>
public sealed class NodeImageReconciler(
    AgentOptions options,
    ObjectCache<V1Alpha1NodeImage> nodeImages,
    CustomResourceClient<V1Alpha1NodeImage> client,
    IKubernetes kubernetes,
    IImageRuntime runtime,
    EventRecorder events,
    Action requeue,
    TimeProvider time,
    ILogger<NodeImageReconciler> logger) : IReconciler, IDisposable
{
    private readonly ConcurrentDictionary<string, PullState> _pulls = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.MaxConcurrentPulls));
    private HashSet<string>? _pinnedByUs;
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

    public string Name => "nodeimage";

    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var nodeImage = nodeImages.Get(key);
        if (nodeImage is null)
        {
            return ReconcileResult.After(options.ResyncInterval);
        }

        var now = time.GetUtcNow();
        var info = await runtime.InfoAsync(cancellationToken);
        // Several owners may want one reference (with or without credentials, before or after resolution): one status
        // entry per reference, pulled with the entry that carries credentials if any does.
        var wanted = (nodeImage.Spec.Images ?? [])
            .GroupBy(i => i.Reference, StringComparer.Ordinal)
            .Select(g => Merge(g.ToList()))
            .ToList();
        var previous = (nodeImage.Status?.Images ?? []).GroupBy(i => i.Reference, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _pinnedByUs ??= previous.Values.Where(p => p.Pinned).Select(p => p.Reference).ToHashSet(StringComparer.Ordinal);
        // The next look: the resync, an earlier retry that falls due, or the heartbeat, whichever comes first.
        var wake = now + options.ResyncInterval;
        var entries = new List<NodeImageEntryStatus>();
        var present = 0;
        var pinned = 0;
        foreach (var image in wanted)
        {
            var entry = new NodeImageEntryStatus { Reference = image.Reference };
            // A change of digest or credentials starts the attempts over.
            var state = _pulls.GetOrAdd($"{image.Reference}|{image.Digest}|{image.PullSecretRef?.Namespace}/{image.PullSecretRef?.Name}", _ => new PullState());
            var found = await runtime.ImageStatusAsync(image.Reference, cancellationToken);
            string? moved = null;
            if (found is not null && !state.Pulled && TagMoved(found, image))
            {
                // The node's copy of the tag predates the digest the operator resolved: release the old image to kubelet's
                // GC and pull the tag again. Once per resolved digest, so a tag that keeps moving cannot loop the agent.
                moved = $"the tag now points at {image.RepoDigest ?? image.Digest}, this node has {DigestOf(found, image.Reference)}; pulling it";
                if (found.Pinned && _pinnedByUs.Contains(image.Reference))
                {
                    await runtime.PinAsync(image.Reference, false, cancellationToken);
                }

                found = null;
            }

            if (found is not null)
            {
                state.Reset();
                entry.Phase = ImagePhase.Present;
                entry.Digest = DigestOf(found, image.Reference) ?? image.Digest;
                entry.Size = found.Size;
                present++;
                if (image.Pin && info.PinningSupported)
                {
                    if (!found.Pinned)
                    {
                        await runtime.PinAsync(image.Reference, true, cancellationToken);
                    }

                    _pinnedByUs.Add(image.Reference);
                    entry.Pinned = true;
                    pinned++;
                }
                else if (!image.Pin && _pinnedByUs.Remove(image.Reference) && found.Pinned)
                {
                    await runtime.PinAsync(image.Reference, false, cancellationToken);
                }

                if (image.Pin && !info.PinningSupported)
                {
                    entry.Message = $"{info.Name} cannot pin images against garbage collection";
                }
            }
            else
            {
                if (previous.TryGetValue(image.Reference, out var before) && before.Phase == ImagePhase.Present)
                {
                    if (moved is null)
                    {
                        logger.LogWarning("{Image} was removed from the runtime behind the agent's back; pulling it again", image.Reference);
                    }
                    else
                    {
                        logger.LogInformation("{Image}: {Moved}", image.Reference, moved);
                    }
                }

                (entry.Phase, entry.Message) = Advance(image, state, now);
                entry.Message ??= moved;
                entry.Attempts = state.Failures;
                if (entry.Phase == ImagePhase.Pending && state.NextAttempt < wake)
                {
                    wake = state.NextAttempt;
                }
            }

            entry.LastTransitionTime = previous.TryGetValue(image.Reference, out var last) && last.Phase == entry.Phase ? last.LastTransitionTime : now.UtcDateTime;
            if (entry.Phase == ImagePhase.Failed && last?.Phase != ImagePhase.Failed)
            {
                await events.WarningAsync(nodeImage, "PullFailed", $"{image.Reference}: {entry.Message}", cancellationToken);
            }

            entries.Add(entry);
        }

        // Images no longer wanted lose the pin this agent gave them; the images themselves stay (pruning is separate).
        var wantedNames = wanted.Select(w => w.Reference).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in _pinnedByUs.Where(r => !wantedNames.Contains(r)).ToList())
        {
            if (await runtime.ImageStatusAsync(reference, cancellationToken) is { Pinned: true })
            {
                await runtime.PinAsync(reference, false, cancellationToken);
            }

            _pinnedByUs.Remove(reference);
        }

        foreach (var stale in _pulls.Keys.Where(k => !wantedNames.Contains(k.Split('|')[0])).ToList())
        {
            _pulls.TryRemove(stale, out _);
        }

        AgentMetrics.Observe(wanted.Count, present, pinned);
        var status = new NodeImageStatus
        {
            ObservedGeneration = nodeImage.Metadata.Generation,
            Images = entries,
            Inventory = await InventoryAsync(cancellationToken),
            Runtime = new Api.RuntimeInfo { Name = info.Name, Version = info.Version, PinningSupported = info.PinningSupported },
            HeartbeatTime = nodeImage.Status?.HeartbeatTime,
            Conditions = Conditions.Copy(nodeImage.Status?.Conditions),
        };
        var failed = entries.Count(e => e.Phase == ImagePhase.Failed);
        Conditions.Set(
            status.Conditions,
            "Ready",
            present == wanted.Count,
            present == wanted.Count ? "AllPresent" : failed > 0 ? "PullFailed" : "Pulling",
            $"{present}/{wanted.Count} wanted images present",
            nodeImage.Metadata.Generation,
            now);
        var changed = KubernetesJson.Serialize(status) != KubernetesJson.Serialize(nodeImage.Status ?? new NodeImageStatus());
        if (changed || now - _lastWrite >= options.HeartbeatInterval)
        {
            status.HeartbeatTime = now.UtcDateTime;
            await StatusWriter.WriteAsync(client, nodeImage, status, cancellationToken);
            _lastWrite = now;
        }

        var heartbeat = _lastWrite + options.HeartbeatInterval;
        return ReconcileResult.After((heartbeat < wake ? heartbeat : wake) - now);
    }

    public void Dispose() => _slots.Dispose();

    private static WantedImage Merge(List<WantedImage> entries)
    {
        var chosen = entries.FirstOrDefault(e => e.PullSecretRef is not null) ?? entries[0];
        return new WantedImage
        {
            Reference = chosen.Reference,
            Digest = chosen.Digest ?? entries.Select(e => e.Digest).FirstOrDefault(d => d is not null),
            RepoDigest = chosen.RepoDigest ?? entries.Select(e => e.RepoDigest).FirstOrDefault(d => d is not null),
            Pin = entries.Any(e => e.Pin),
            PullSecretRef = chosen.PullSecretRef,
            Owners = entries.SelectMany(e => e.Owners).ToList(),
            Platform = chosen.Platform,
            PullTimeout = chosen.PullTimeout,
            BackoffLimit = entries.Max(e => e.BackoffLimit ?? 3),
        };
    }

    /// <summary>Decides the phase of a missing image and starts a pull when one is due.</summary>
    private (ImagePhase Phase, string? Message) Advance(WantedImage image, PullState state, DateTimeOffset now)
    {
        if (state.Running is { IsCompleted: false })
        {
            return (ImagePhase.Pulling, null);
        }

        var limit = image.BackoffLimit ?? 3;
        if (state.Failures > limit)
        {
            return (ImagePhase.Failed, state.LastError);
        }

        if (now < state.NextAttempt)
        {
            return (ImagePhase.Pending, state.LastError is null ? null : $"retrying after: {state.LastError}");
        }

        state.Running = PullAsync(image, state);
        return (ImagePhase.Pulling, null);
    }

    private async Task PullAsync(WantedImage image, PullState state)
    {
        await _slots.WaitAsync();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var timeout = image.PullTimeout is { } text && GoDuration.TryParse(text, out var parsed, out _) ? parsed : TimeSpan.FromMinutes(10);
            using var limit = new CancellationTokenSource(timeout);
            var credential = await CredentialAsync(image, limit.Token);
            try
            {
                await runtime.PullAsync(image.Reference, credential, limit.Token);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                throw new RuntimeException($"pull did not finish within pullTimeout {image.PullTimeout ?? "10m"}");
            }

            state.Pulled = true;
            AgentMetrics.Pulls.Add(1, new KeyValuePair<string, object?>("result", "success"));
            if (await runtime.ImageStatusAsync(image.Reference) is { } pulled)
            {
                AgentMetrics.BytesPulled.Add(pulled.Size);
            }

            logger.LogInformation("pulled {Image}", image.Reference);
        }
        catch (Exception e)
        {
            AgentMetrics.Pulls.Add(1, new KeyValuePair<string, object?>("result", "failure"));
            state.Failures++;
            state.LastError = e is RuntimeException or k8s.Autorest.HttpOperationException or OciFormatException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            // Exponential back-off between attempts: 1 s, 2 s, 4 s … capped at 5 minutes.
            state.NextAttempt = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, state.Failures - 1)));
            logger.LogWarning("pull of {Image} failed (attempt {Attempt}): {Error}", image.Reference, state.Failures, state.LastError);
        }
        finally
        {
            AgentMetrics.PullDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            _slots.Release();
            requeue();
        }
    }

    /// <summary>The registry credentials of the image's pull secret (a copy in the operator's namespace). Never logged.</summary>
    private async Task<RegistryCredential?> CredentialAsync(WantedImage image, CancellationToken cancellationToken)
    {
        if (image.PullSecretRef is not { } reference)
        {
            return null;
        }

        var secret = await kubernetes.CoreV1.ReadNamespacedSecretAsync(reference.Name, reference.Namespace, cancellationToken: cancellationToken);
        return PullSecrets.Parse(secret)?.Find(ImageReference.Parse(image.Reference).Domain);
    }

    private async Task<ImageInventory> InventoryAsync(CancellationToken cancellationToken)
    {
        var images = await runtime.ListImagesAsync(cancellationToken);
        var inUse = await runtime.InUseImageIdsAsync(cancellationToken);
        var usage = await runtime.FilesystemUsageAsync(cancellationToken);
        return new ImageInventory
        {
            ImageCount = images.Count,
            Bytes = images.Sum(i => i.Size),
            DanglingCount = images.Count(i => i.RepoTags.Count == 0),
            ReclaimableBytes = images.Where(i => !i.Pinned && !inUse.Contains(i.Id)).Sum(i => i.Size),
            ImageFsUsedBytes = usage?.UsedBytes,
            ImageFsCapacityBytes = usage?.CapacityBytes,
        };
    }

    /// <summary>
    /// Whether the node's image for a tag is neither of the digests the operator resolved the tag to. Unknown (no digest
    /// wanted, a reference by digest, no repo digests recorded) counts as not moved.
    /// </summary>
    private static bool TagMoved(RuntimeImage found, WantedImage image)
    {
        if (image.Digest is null && image.RepoDigest is null)
        {
            return false;
        }

        var reference = ImageReference.Parse(image.Reference);
        if (reference.Digest is not null)
        {
            return false;
        }

        var digests = RepoDigestsOf(found, reference.Repository).ToHashSet(StringComparer.Ordinal);
        return digests.Count > 0 && !digests.Contains(image.Digest ?? string.Empty) && !digests.Contains(image.RepoDigest ?? string.Empty);
    }

    private static string? DigestOf(RuntimeImage image, string reference) => RepoDigestsOf(image, ImageReference.Parse(reference).Repository).FirstOrDefault();

    /// <summary>The digests the runtime records for an image under one repository (its <c>repo@digest</c> names).</summary>
    private static IEnumerable<string> RepoDigestsOf(RuntimeImage image, string repository) =>
        image.RepoDigests
            .Select(d => d.Split('@'))
            .Where(p => p.Length == 2 && ImageReference.TryParse(p[0], out var r) && r!.Repository == repository)
            .Select(p => p[1]);

    private sealed class PullState
    {
        public Task? Running { get; set; }

        public int Failures { get; set; }

        public string? LastError { get; set; }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        /// <summary>A pull of this wanted digest finished; what the tag gave then is what the node keeps.</summary>
        public bool Pulled { get; set; }

        public void Reset()
        {
            Failures = 0;
            LastError = null;
            NextAttempt = DateTimeOffset.MinValue;
        }
    }
}
