using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Registry;
using Microsoft.Extensions.Logging;

namespace Longshore.Operator;

/// <summary>
/// Turns an ImagePrePull into NodeImage entries on its target nodes (at most <c>parallelism</c> nodes pulling at once)
/// and folds the agents' NodeImage statuses back into its status. Level-triggered: every call recomputes from the
/// caches; deleting the object (finalizer) removes its entries and nothing that another object still wants.
/// </summary>
public sealed class ImagePrePullReconciler(
    ObjectCache<V1Alpha1ImagePrePull> prePulls,
    ObjectCache<V1Node> nodes,
    ObjectCache<V1Alpha1NodeImage> nodeImages,
    CustomResourceClient<V1Alpha1ImagePrePull> prePullClient,
    CustomResourceClient<V1Alpha1NodeImage> nodeImageClient,
    ImageResolver resolver,
    PullSecretMirror secrets,
    EventRecorder events,
    TimeProvider time,
    ILogger<ImagePrePullReconciler> logger) : IReconciler
{
    public const string Finalizer = "longshore.io/imageprepull";
    public const int MaxFailuresListed = 20;

    public string Name => "imageprepull";

    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var prePull = prePulls.Get(key);
        if (prePull is null)
        {
            return ReconcileResult.Done;
        }

        var owner = new ImageOwner { Kind = V1Alpha1ImagePrePull.KindName, Namespace = key.Namespace, Name = key.Name };
        if (Finalizers.IsDeleting(prePull))
        {
            await RemoveEntriesAsync(owner, keepOn: new HashSet<string>(), cancellationToken);
            await CollectSecretsAsync(except: key, cancellationToken);
            if (Finalizers.Has(prePull, Finalizer))
            {
                await Finalizers.RemoveAsync(prePullClient, prePull, Finalizer, cancellationToken);
            }

            logger.LogInformation("ImagePrePull {Key} deleted: its NodeImage entries are removed", key);
            return ReconcileResult.Done;
        }

        if (!Finalizers.Has(prePull, Finalizer))
        {
            prePull = await Finalizers.AddAsync(prePullClient, prePull, Finalizer, cancellationToken);
        }

        var spec = prePull.Spec;
        var targets = TargetNodes.Select(spec, nodes.Items);
        logger.LogDebug("reconciling ImagePrePull {Key}: {Targets} of {Nodes} node(s) targeted", key, targets.Count, nodes.Count);
        var status = new ImagePrePullStatus { ObservedGeneration = prePull.Metadata.Generation, Conditions = Conditions.Copy(prePull.Status?.Conditions) };
        var now = time.GetUtcNow();

        // Resolve every image for every platform among the targets.
        var platforms = targets.Select(n => TargetNodes.PlatformOf(n, spec.Platform)).DistinctBy(p => p.ToString()).ToList();
        var digests = new Dictionary<(string Image, string Platform), string>();
        var resolveErrors = new List<string>();
        status.Images = [];
        foreach (var image in spec.Images)
        {
            var entry = new Api.ResolvedImage { Image = image, Platforms = [], ResolvedAt = now.UtcDateTime };
            try
            {
                var reference = ImageReference.Parse(image);
                foreach (var platform in platforms)
                {
                    var resolved = await resolver.ResolveAsync(reference, platform, key.Namespace, spec.ImagePullSecrets, cancellationToken);
                    entry.Digest = resolved.RepoDigest.ToString();
                    entry.Platforms.Add(new PlatformDigest { Platform = platform.ToString(), Digest = resolved.Manifest.Digest.ToString() });
                    digests[(image, platform.ToString())] = resolved.Manifest.Digest.ToString();
                }
            }
            catch (Exception e) when (e is RegistryException or OciFormatException)
            {
                entry.Message = e.Message;
                resolveErrors.Add($"{image}: {e.Message}");
            }

            var previous = prePull.Status?.Images?.FirstOrDefault(i => i.Image == image);
            if (previous is not null && previous.Digest == entry.Digest && previous.Message == entry.Message)
            {
                // Unchanged resolutions keep their time, so a status write happens only when something changed.
                entry.ResolvedAt = previous.ResolvedAt;
            }

            status.Images.Add(entry);
        }

        // What each tag pointed at (an index digest for multi-platform images), as the runtimes report it.
        var repoDigests = status.Images.Where(i => i.Digest is not null).DistinctBy(i => i.Image).ToDictionary(i => i.Image, i => i.Digest!, StringComparer.Ordinal);

        // Secrets the agents need, copied where they may read them.
        SecretReference? pullSecret = null;
        foreach (var secret in spec.ImagePullSecrets ?? [])
        {
            var copy = await secrets.EnsureAsync(key.Namespace, secret.Name, cancellationToken);
            pullSecret ??= new SecretReference { Namespace = secrets.OperatorNamespace, Name = copy };
        }

        // Nodes already carrying this object's entries have started; new ones start while fewer than parallelism are in progress.
        var started = new List<V1Node>();
        var inProgress = 0;
        var ready = 0;
        var failed = new List<FailedNode>();
        var pulling = 0;
        foreach (var node in targets)
        {
            var nodeImage = nodeImages.Get(new ResourceKey(string.Empty, node.Metadata.Name));
            var wanted = nodeImage?.Spec.Images?.Any(i => i.Owners.Any(o => Same(o, owner))) == true;
            if (!wanted)
            {
                continue;
            }

            started.Add(node);
            var state = NodeState(nodeImage!, node, spec, digests, repoDigests);
            switch (state.Phase)
            {
                case "Ready":
                    ready++;
                    break;
                case "Failed":
                    failed.AddRange(state.Failures);
                    break;
                default:
                    pulling++;
                    inProgress++;
                    break;
            }
        }

        var startable = targets.Where(n => !started.Contains(n)).Take(Math.Max(0, spec.Parallelism - inProgress)).ToList();
        // Node writes are independent: several at once keep fan-out to large fleets short.
        await Parallel.ForEachAsync(
            started.Concat(startable),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (node, ct) => await EnsureEntriesAsync(node, owner, spec, digests, repoDigests, pullSecret, ct));

        pulling += startable.Count;
        var targetNames = targets.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        await RemoveEntriesAsync(owner, keepOn: targetNames, cancellationToken);
        await CollectSecretsAsync(except: null, cancellationToken);

        status.DesiredNodes = targets.Count;
        status.ReadyNodes = ready;
        status.PullingNodes = pulling;
        status.FailedNodes = failed.Select(f => f.Node).Distinct().Count();
        status.Failures = failed.Take(MaxFailuresListed).ToList();
        var allReady = targets.Count > 0 && ready == targets.Count && resolveErrors.Count == 0;
        var wasReady = Conditions.IsTrue(prePull.Status?.Conditions, "Ready");
        var wasDegraded = Conditions.IsTrue(prePull.Status?.Conditions, "Degraded");
        var generation = prePull.Metadata.Generation;
        Conditions.Set(
            status.Conditions,
            "Ready",
            allReady,
            allReady ? "AllNodesReady" : targets.Count == 0 ? "NoTargetNodes" : resolveErrors.Count > 0 ? "ResolveFailed" : "Pulling",
            targets.Count == 0 ? "no node matches the selector, names and tolerations" : $"{ready}/{targets.Count} nodes have every image",
            generation,
            now);
        Conditions.Set(status.Conditions, "Progressing", pulling > 0 || started.Count + startable.Count < targets.Count, pulling > 0 ? "Pulling" : "Idle", $"{pulling} node(s) pulling, {targets.Count - started.Count - startable.Count} waiting for a slot", generation, now);
        var degraded = failed.Count > 0 || resolveErrors.Count > 0;
        Conditions.Set(
            status.Conditions,
            "Degraded",
            degraded,
            resolveErrors.Count > 0 ? "ResolveFailed" : failed.Count > 0 ? "PullFailed" : "AsExpected",
            resolveErrors.Count > 0 ? string.Join("; ", resolveErrors) : failed.Count > 0 ? $"{status.FailedNodes} node(s) failed: {failed[0].Node}: {failed[0].Message ?? failed[0].Reason}" : "no failures",
            generation,
            now);

        if (await StatusWriter.WriteAsync(prePullClient, prePull, status, cancellationToken))
        {
            OperatorMetrics.Record(key, status);
            if (allReady && !wasReady)
            {
                await events.NormalAsync(prePull, "Ready", $"all {targets.Count} target node(s) have every image", cancellationToken);
            }

            if (degraded && !wasDegraded)
            {
                await events.WarningAsync(prePull, resolveErrors.Count > 0 ? "ResolveFailed" : "PullFailed", status.Conditions.First(c => c.Type == "Degraded").Message, cancellationToken);
            }
        }

        // Look again when slots may have freed up, and re-resolve tags every resolve interval so moved tags reach the nodes.
        var waiting = startable.Count + started.Count < targets.Count;
        return ReconcileResult.After(waiting && resolver.Interval > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : resolver.Interval);
    }

    private static bool Same(ImageOwner a, ImageOwner b) => a.Kind == b.Kind && a.Namespace == b.Namespace && a.Name == b.Name;

    /// <summary>
    /// A node's progress on this object's images. A runtime reports the digest the tag pointed at when it pulled: the
    /// platform's manifest for single-platform images, the index for multi-platform ones; either is the resolved image.
    /// </summary>
    private static (string Phase, List<FailedNode> Failures) NodeState(
        V1Alpha1NodeImage nodeImage,
        V1Node node,
        ImagePrePullSpec spec,
        Dictionary<(string Image, string Platform), string> digests,
        Dictionary<string, string> repoDigests)
    {
        var platform = TargetNodes.PlatformOf(node, spec.Platform).ToString();
        var reported = (nodeImage.Status?.Images ?? []).GroupBy(i => i.Reference, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var failures = new List<FailedNode>();
        var present = 0;
        foreach (var image in spec.Images)
        {
            if (!reported.TryGetValue(image, out var entry))
            {
                continue;
            }

            var expected = digests.GetValueOrDefault((image, platform));
            if (entry.Phase == ImagePhase.Present && (expected is null || entry.Digest is null || entry.Digest == expected || entry.Digest == repoDigests.GetValueOrDefault(image)))
            {
                present++;
            }
            else if (entry.Phase == ImagePhase.Failed)
            {
                failures.Add(new FailedNode { Node = node.Metadata.Name, Image = image, Reason = (entry.Reason ?? PullFailureReason.PullFailed).ToString(), Message = entry.Message });
            }
        }

        return failures.Count > 0 ? ("Failed", failures) : present == spec.Images.Count ? ("Ready", failures) : ("Pulling", failures);
    }

    /// <summary>Adds or refreshes this owner's entries on one node, keeping entries other owners want.</summary>
    private async Task EnsureEntriesAsync(
        V1Node node,
        ImageOwner owner,
        ImagePrePullSpec spec,
        Dictionary<(string Image, string Platform), string> digests,
        Dictionary<string, string> repoDigests,
        SecretReference? pullSecret,
        CancellationToken cancellationToken)
    {
        var name = node.Metadata.Name;
        // The cache is authoritative once synced: a NodeImage missing from it is created (a 409 retries with a fresh view).
        var existing = nodeImages.Get(new ResourceKey(string.Empty, name));
        var platform = TargetNodes.PlatformOf(node, spec.Platform).ToString();
        var images = existing?.Spec.Images?.Select(Clone).ToList() ?? [];
        foreach (var image in images)
        {
            image.Owners.RemoveAll(o => Same(o, owner));
        }

        foreach (var reference in spec.Images)
        {
            var digest = digests.GetValueOrDefault((reference, platform));
            var entry = images.FirstOrDefault(i => i.Reference == reference && i.Digest == digest);
            if (entry is null)
            {
                entry = new WantedImage { Reference = reference, Digest = digest, Owners = [] };
                images.Add(entry);
            }

            entry.Owners.Add(owner);
            entry.RepoDigest = repoDigests.GetValueOrDefault(reference) ?? entry.RepoDigest;
            entry.Pin = entry.Pin || spec.Pin;
            entry.PullSecretRef ??= pullSecret;
            entry.PullTimeout = spec.PullTimeout;
            entry.BackoffLimit = spec.BackoffLimit;
            entry.Platform = spec.Platform;
        }

        images.RemoveAll(i => i.Owners.Count == 0);
        await WriteSpecAsync(existing, name, images, node, cancellationToken);
    }

    /// <summary>Removes this owner from every NodeImage except those named in <paramref name="keepOn"/>.</summary>
    private async Task RemoveEntriesAsync(ImageOwner owner, ISet<string> keepOn, CancellationToken cancellationToken)
    {
        foreach (var nodeImage in nodeImages.Items)
        {
            if (keepOn.Contains(nodeImage.Metadata.Name) || nodeImage.Spec.Images?.Any(i => i.Owners.Any(o => Same(o, owner))) != true)
            {
                continue;
            }

            var images = nodeImage.Spec.Images.Select(Clone).ToList();
            foreach (var image in images)
            {
                image.Owners.RemoveAll(o => Same(o, owner));
            }

            images.RemoveAll(i => i.Owners.Count == 0);
            await WriteSpecAsync(nodeImage, nodeImage.Metadata.Name, images, nodes.Get(new ResourceKey(string.Empty, nodeImage.Metadata.Name)), cancellationToken);
        }
    }

    /// <summary>
    /// Creates or patches a NodeImage. It is owned by its Node, so the cluster's garbage collector removes it with the
    /// node; a node re-registered under the same name (new UID) takes the NodeImage over.
    /// </summary>
    private async Task WriteSpecAsync(V1Alpha1NodeImage? existing, string name, List<WantedImage> images, V1Node? node, CancellationToken cancellationToken)
    {
        var owners = node?.Metadata.Uid is { Length: > 0 } uid
            ? new List<V1OwnerReference> { new() { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = uid } }
            : null;
        if (existing is null)
        {
            var created = await nodeImageClient.CreateAsync(
                new V1Alpha1NodeImage
                {
                    Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "longshore" }, OwnerReferences = owners },
                    Spec = new NodeImageSpec { Images = images },
                },
                cancellationToken);
            nodeImages.Set(created);
            return;
        }

        var ownersChanged = owners is not null && existing.Metadata.OwnerReferences?.Any(o => o.Kind == "Node" && o.Uid == owners[0].Uid) != true;
        if (!ownersChanged && k8s.KubernetesJson.Serialize(existing.Spec.Images ?? []) == k8s.KubernetesJson.Serialize(images))
        {
            return;
        }

        // The resourceVersion makes a stale write fail with 409; the queue retries with a fresh view.
        object metadata = ownersChanged
            ? new { resourceVersion = existing.Metadata.ResourceVersion, ownerReferences = owners }
            : new { resourceVersion = existing.Metadata.ResourceVersion };
        var updated = await nodeImageClient.PatchAsync(null, name, new { metadata, spec = new { images } }, cancellationToken);
        nodeImages.Set(updated);
    }

    private async Task CollectSecretsAsync(ResourceKey? except, CancellationToken cancellationToken)
    {
        var referenced = prePulls.Items
            .Where(p => except is null || ResourceKey.Of(p) != except.Value)
            .Where(p => !Finalizers.IsDeleting(p))
            .SelectMany(p => (p.Spec.ImagePullSecrets ?? []).Select(s => $"{p.Metadata.NamespaceProperty}/{s.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        await secrets.CollectAsync(referenced, cancellationToken);
    }

    private static WantedImage Clone(WantedImage image) => new()
    {
        Reference = image.Reference,
        Digest = image.Digest,
        RepoDigest = image.RepoDigest,
        Pin = image.Pin,
        PullSecretRef = image.PullSecretRef,
        Owners = image.Owners.Select(o => new ImageOwner { Kind = o.Kind, Namespace = o.Namespace, Name = o.Name }).ToList(),
        Platform = image.Platform,
        PullTimeout = image.PullTimeout,
        BackoffLimit = image.BackoffLimit,
    };
}
