using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Operator;

/// <summary>
/// Keeps an ImagePolicy's locks and drift. Thin: when a refresh is due (<see cref="PolicyRefresh"/>) it asks the
/// registry through <see cref="PolicyImageResolver"/>; <see cref="LockPlanner"/> decides each lock,
/// <see cref="PodDriftFinder"/> finds containers off their lock in the Pod cache, <see cref="PolicyNodes"/> puts the
/// pinned digests into the target nodes' NodeImages (ensureOnNodes) and counts the nodes missing them, and
/// <see cref="PolicyStatusBuilder"/> says what the status is. Pod changes re-queue the policies of their namespace
/// without a registry request. Deleting the object (finalizer) removes its NodeImage entries.
/// </summary>
public sealed class ImagePolicyReconciler(
    InformerRegistry informers,
    IKubernetes client,
    ImageResolver imageResolver,
    OperatorOptions options,
    ImagePolicyMetrics metrics,
    TimeProvider time,
    ILogger<ImagePolicyReconciler> logger) : IReconciler<V1Alpha1ImagePolicy>
{
    public const string Finalizer = "longshore.io/imagepolicy";

    private readonly ObjectCache<V1Alpha1ImagePolicy> _policies = informers.For<V1Alpha1ImagePolicy>().Cache;
    private readonly ObjectCache<V1Alpha1ImagePrePull> _prePulls = informers.For<V1Alpha1ImagePrePull>().Cache;
    private readonly ObjectCache<V1Pod> _pods = informers.For<V1Pod>().Cache;
    private readonly ObjectCache<V1Node> _nodes = informers.For<V1Node>().Cache;
    private readonly CustomResourceClient<V1Alpha1ImagePolicy> _policyClient = new(client);
    private readonly NodeImageWriter _writer = new(informers, client);
    private readonly PolicyImageResolver _resolver = new(imageResolver);
    private readonly PullSecretMirror _secrets = new(client, options.PullSecretNamespace);
    private readonly EventRecorder _events = new(client, "longshore-operator", logger, time);

    /// <summary>The policies a Pod's changes concern: those of its namespace.</summary>
    public static IEnumerable<ResourceKey> PoliciesOf(V1Pod pod, ObjectCache<V1Alpha1ImagePolicy> policies) =>
        policies.Items.Where(p => p.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty).Select(p => ResourceKey.Of(p));

    /// <summary>The ImagePolicies whose entries a NodeImage holds.</summary>
    public static IEnumerable<ResourceKey> OwnersOf(V1Alpha1NodeImage nodeImage) =>
        (nodeImage.Spec.Images ?? []).SelectMany(i => i.Owners)
            .Where(o => o.Kind == V1Alpha1ImagePolicy.KindName)
            .Select(o => new ResourceKey(o.Namespace, o.Name))
            .Distinct();

    /// <summary>The policy itself: its spec, deletion, or a new value of the refresh annotation.</summary>
    public static bool PolicyChanged(ObjectEvent<V1Alpha1ImagePolicy> change) =>
        Predicates.GenerationChanged(change)
        || (change.Previous is not null && PolicyRefresh.Requested(change.Previous) != PolicyRefresh.Requested(change.Object));

    /// <summary>
    /// Pod changes that can move drift: adds, deletes, labels, phase, and the images and imageIDs of its containers;
    /// not readiness, restarts or other status churn.
    /// </summary>
    public static bool PodChanged(ObjectEvent<V1Pod> change)
    {
        if (change.Type != WatchEventType.Modified || change.Previous is null)
        {
            return true;
        }

        var (before, after) = (change.Previous, change.Object);
        return before.Status?.Phase != after.Status?.Phase
            || !Images(before).Equals(Images(after))
            || !Labels(before).Equals(Labels(after));
    }

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ImagePolicy policy, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(policy);
        var spec = policy.Spec;
        var previous = policy.Status;
        var now = time.GetUtcNow();
        var due = PolicyRefresh.IsDue(policy, now);

        var (outcomes, refreshProblems) = due
            ? await RefreshAsync(key, spec, previous, now, cancellationToken)
            : (spec.Images.Select(i => LockPlanner.Plan(i, LockOf(previous, i), null, new Dictionary<string, IReadOnlyList<PlatformDigest>>(), now)).ToList(), null);
        var locks = outcomes.Where(o => o.Lock is not null).Select(o => o.Lock!).ToList();

        var pods = _pods.Items.Where(p => p.Metadata.NamespaceProperty == key.Namespace);
        var podDrift = PodDriftFinder.Find(locks, pods, spec.PodSelector);
        var (nodeDrift, copyProblems) = await EnsureOnNodesAsync(key, spec, locks, cancellationToken);

        var failed = outcomes.Any(o => o.Error is not null || o.Stale);
        var lastRefresh = due ? LockPlanner.Seconds(now) : previous?.LastRefreshTime;
        var nextRefresh = due ? PolicyRefresh.Next(spec, now, failed) : previous?.NextRefreshTime;
        var result = PolicyStatusBuilder.Build(policy.Metadata.Generation, previous, outcomes, podDrift, nodeDrift, lastRefresh, nextRefresh, now);
        var status = result.Status;
        status.LastHandledRefreshRequest = due ? PolicyRefresh.Requested(policy) : previous?.LastHandledRefreshRequest;
        // The secrets are read at a refresh and, with ensureOnNodes, at every reconcile; otherwise the condition stands.
        if ((copyProblems ?? refreshProblems) is { } secretProblems)
        {
            PullSecretConditions.Apply(status.Conditions, secretProblems, policy.Metadata.Generation, now);
        }

        metrics.Record(key, outcomes.Select(o => new PolicyImageSeries(o.Image, o.TagMoved, podDrift.ByImage.GetValueOrDefault(o.Image), nodeDrift.ByImage.GetValueOrDefault(o.Image), o.Stale)).ToList());
        var wasDrifted = Conditions.IsTrue(previous?.Conditions, PolicyConditions.Drifted);
        var wasStale = Conditions.IsTrue(previous?.Conditions, PolicyConditions.Stale);
        if (await StatusWriter.WriteAsync(_policyClient, policy, status, cancellationToken))
        {
            await RecordEventsAsync(policy, key, outcomes, cancellationToken);
            if (Conditions.IsTrue(status.Conditions, PolicyConditions.Drifted) && !wasDrifted)
            {
                await _events.WarningAsync(policy, PolicyConditions.Drifted, status.Conditions!.First(c => c.Type == PolicyConditions.Drifted).Message, cancellationToken);
            }

            if (Conditions.IsTrue(status.Conditions, PolicyConditions.Stale) && !wasStale)
            {
                await _events.WarningAsync(policy, "RegistryUnavailable", status.Conditions!.First(c => c.Type == PolicyConditions.Stale).Message, cancellationToken);
            }
        }

        // Quartz (CronWakeups) queues the policy at each refreshSchedule time; this requeue is the retry after a failure
        // and a backstop for the schedule: a second wake-up for the same time finds nextRefreshTime moved and asks no
        // registry. Nodes still pulling report through their NodeImages.
        var wait = (nextRefresh ?? now.UtcDateTime.AddHours(1)) - now.UtcDateTime;
        return ReconcileResult.After(wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait);
    }

    public async Task FinalizeAsync(V1Alpha1ImagePolicy policy, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(policy);
        var current = _writer.CurrentEntries();
        await _writer.WriteAsync(NodeImagePlanner.Remove(Owner(key), current), current, cancellationToken);
        await _secrets.CollectAsync(PullSecretMirror.Referenced(_prePulls.Items, _policies.Items, (V1Alpha1ImagePolicy.KindName, key)), cancellationToken);
        metrics.Forget(key);
        logger.LogInformation("ImagePolicy {Key} deleted: its NodeImage entries are removed", key);
    }

    private static ImageLock? LockOf(ImagePolicyStatus? status, PolicyImage image) =>
        status?.Locks?.FirstOrDefault(l => l.Image == image.Repository);

    private static PlannedOwner Owner(ResourceKey key) => new(V1Alpha1ImagePolicy.KindName, key.Namespace, key.Name);

    private static ValueList<(string Name, string? Image, string? ImageId)> Images(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Select(c => (c.Name, (string?)c.Image, (string?)null))
            .Concat((pod.Spec?.InitContainers ?? []).Select(c => (c.Name, (string?)c.Image, (string?)null)))
            .Concat((pod.Spec?.EphemeralContainers ?? []).Select(c => (c.Name, (string?)c.Image, (string?)null)))
            .Concat((pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.EphemeralContainerStatuses ?? [])
                .Select(s => (s.Name, (string?)s.Image, (string?)s.ImageID)))
            .ToValueList();

    private static ValueList<(string Key, string Value)> Labels(V1Pod pod) =>
        (pod.Metadata.Labels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToValueList();

    /// <summary>Asks the registry about every image (several at once) and plans each lock.</summary>
    private async Task<(List<LockOutcome> Outcomes, IReadOnlyList<string>? SecretProblems)> RefreshAsync(ResourceKey key, ImagePolicySpec spec, ImagePolicyStatus? previous, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DockerConfig credentials;
        IReadOnlyList<string> problems;
        try
        {
            (credentials, problems) = await _resolver.CredentialsAsync(key.Namespace, spec.ImagePullSecrets, cancellationToken);
        }
        catch (RegistryException e)
        {
            // Without credentials nothing can be asked: every lock stays, with the reason.
            return (spec.Images.Select(i => LockPlanner.Plan(i, LockOf(previous, i), ImageResolution.Failed(null, e.Message, outage: false), new Dictionary<string, IReadOnlyList<PlatformDigest>>(), now)).ToList(), null);
        }

        var outcomes = new LockOutcome[spec.Images.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, spec.Images.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var image = spec.Images[index];
                var current = LockOf(previous, image);
                var resolution = await _resolver.ResolveAsync(image, credentials, options.PolicyRefreshWindow, ct);
                var platforms = new Dictionary<string, IReadOnlyList<PlatformDigest>>(StringComparer.Ordinal);
                var target = LockPlanner.TargetDigest(image, current, resolution);
                // Platform manifests are read only for a digest the lock did not hold (content-addressed: they never change).
                if (target is not null && target != current?.Digest && (target != resolution.Digest || MediaTypes.IsIndex(resolution.MediaType) || resolution.MediaType is null))
                {
                    try
                    {
                        if (await _resolver.PlatformsAsync(image.Repository, target, credentials, ct) is { } list)
                        {
                            platforms[target] = list;
                        }
                    }
                    catch (RegistryException e)
                    {
                        resolution = ImageResolution.Failed(resolution.Tag, e.Message, ResolutionCache.IsOutage(e));
                    }
                }

                metrics.Resolution(resolution.Digest is null ? "failure" : resolution.Stale ? "stale" : "success");
                outcomes[index] = LockPlanner.Plan(image, current, resolution, platforms, now);
            });
        foreach (var failure in outcomes.Where(o => o.Error is not null || o.Stale))
        {
            logger.LogWarning("ImagePolicy {Key}: {Image}: {Error}", key, failure.Image, failure.Error ?? failure.Lock?.Message);
        }

        return ([.. outcomes], problems);
    }

    /// <summary>With ensureOnNodes, the pinned digests go into the target nodes' NodeImages; without, this policy's entries leave them.</summary>
    private async Task<(NodeDriftReport Drift, IReadOnlyList<string>? SecretProblems)> EnsureOnNodesAsync(ResourceKey key, ImagePolicySpec spec, IReadOnlyList<ImageLock> locks, CancellationToken cancellationToken)
    {
        var owner = Owner(key);
        var current = _writer.CurrentEntries();
        if (!spec.EnsureOnNodes)
        {
            var removed = NodeImagePlanner.Remove(owner, current);
            if (removed.Count > 0)
            {
                await _writer.WriteAsync(removed, current, cancellationToken);
                await _secrets.CollectAsync(PullSecretMirror.Referenced(_prePulls.Items, _policies.Items, null), cancellationToken);
            }

            return (NodeDriftReport.None, null);
        }

        var (pullSecret, problems) = await _secrets.EnsureAsync(owner, spec.ImagePullSecrets, cancellationToken);

        var targets = TargetNodes.Select(spec, _nodes.Items);
        var platforms = targets.Select(n => TargetNodes.PlatformOf(n, null).ToString()).ToList();
        // A namespace that may not pin still gets its digests warmed, unpinned (the webhook refuses such new policies).
        var intent = PolicyNodes.Intent(owner, locks, platforms, pullSecret);
        if (!options.Limits.MayPin(key.Namespace))
        {
            intent = intent with { Pin = false };
        }

        var targetNodes = targets.Select((node, i) =>
        {
            var (phase, _) = NodeProgress.Of(node.Metadata.Name, _writer.StatusOf(node.Metadata.Name), intent.Images, platforms[i], intent.Digests, intent.RepoDigests);
            return new TargetNode(node.Metadata.Name, platforms[i], phase);
        }).ToList();
        var plan = NodeImagePlanner.Plan(intent, targetNodes, current, options.Limits.MaxImagesPerNode);
        await _writer.WriteAsync(plan.Desired, current, cancellationToken);
        return (PolicyNodes.Drift(locks, targetNodes, _writer.StatusOf, intent), problems);
    }

    private async Task RecordEventsAsync(V1Alpha1ImagePolicy policy, ResourceKey key, IReadOnlyList<LockOutcome> outcomes, CancellationToken cancellationToken)
    {
        foreach (var outcome in outcomes.Where(o => o.Change != LockChange.None && o.Lock is not null))
        {
            var @lock = outcome.Lock!;
            var followed = $"{@lock.Image}:{@lock.Tag}";
            switch (outcome.Change)
            {
                case LockChange.Locked:
                    await _events.NormalAsync(policy, "Locked", $"{followed} locked at {@lock.Digest}", cancellationToken);
                    break;
                case LockChange.Moved:
                    metrics.TagMoves(key, @lock.Image);
                    await _events.NormalAsync(policy, "TagMoved", $"{followed} moved from {@lock.PreviousDigest} to {@lock.Digest}; the lock follows", cancellationToken);
                    break;
                case LockChange.Held:
                    metrics.TagMoves(key, @lock.Image);
                    await _events.WarningAsync(policy, "TagMoved", $"{followed} now points at {@lock.RegistryDigest}; the lock holds {@lock.Digest} until spec digest approves the new one", cancellationToken);
                    break;
                case LockChange.Approved:
                    await _events.NormalAsync(policy, "LockApproved", $"{@lock.Image} locked at the approved {@lock.Digest} (was {@lock.PreviousDigest})", cancellationToken);
                    break;
            }
        }
    }
}
