using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Operator;

/// <summary>
/// Turns an ImagePrePull into NodeImage entries on its target nodes and folds the agents' NodeImage statuses back into
/// its status. Thin: it reads the caches, resolves images and copies pull secrets (I/O), asks
/// <see cref="NodeImagePlanner"/> what each NodeImage should hold and <see cref="PrePullStatusBuilder"/> what the status
/// should say, and writes the differences. Deleting the object (finalizer) removes its entries and nothing another
/// object still wants.
/// </summary>
public sealed class ImagePrePullReconciler(
    InformerRegistry informers,
    IKubernetes client,
    ImageResolver resolver,
    OperatorOptions options,
    ImagePrePullMetrics metrics,
    TimeProvider time,
    ILogger<ImagePrePullReconciler> logger) : IReconciler<V1Alpha1ImagePrePull>
{
    public const string Finalizer = "longshore.io/imageprepull";

    private readonly ObjectCache<V1Alpha1ImagePrePull> _prePulls = informers.For<V1Alpha1ImagePrePull>().Cache;
    private readonly ObjectCache<V1Node> _nodes = informers.For<V1Node>().Cache;
    private readonly ObjectCache<V1Alpha1ImagePolicy> _policies = informers.For<V1Alpha1ImagePolicy>().Cache;
    private readonly CustomResourceClient<V1Alpha1ImagePrePull> _prePullClient = new(client);
    private readonly NodeImageWriter _writer = new(informers, client);
    private readonly PullSecretMirror _secrets = new(client, options.PullSecretNamespace);
    private readonly EventRecorder _events = new(client, "longshore-operator", logger, time);

    /// <summary>The ImagePrePulls whose entries a NodeImage holds: how NodeImage changes map back to their owners.</summary>
    public static IEnumerable<ResourceKey> OwnersOf(V1Alpha1NodeImage nodeImage) =>
        (nodeImage.Spec.Images ?? []).SelectMany(i => i.Owners)
            .Where(o => o.Kind == V1Alpha1ImagePrePull.KindName)
            .Select(o => new ResourceKey(o.Namespace, o.Name))
            .Distinct();

    /// <summary>NodeImage changes that can matter to an ImagePrePull: its spec, its images' reported state, adds and deletes; not heartbeats.</summary>
    public static bool NodeImageChanged(ObjectEvent<V1Alpha1NodeImage> change) =>
        Predicates.GenerationChanged(change)
        || !Reported(change.Previous).Equals(Reported(change.Object));

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ImagePrePull prePull, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(prePull);
        // Objects admitted before a limit was set are held to it here: no pins, no tolerations the namespace may not have.
        var limits = options.Limits;
        var limitProblems = limits.Check(key.Namespace, prePull.Spec).ToList();
        var spec = limits.Effective(key.Namespace, prePull.Spec);
        var owner = new PlannedOwner(V1Alpha1ImagePrePull.KindName, key.Namespace, key.Name);
        var targets = TargetNodes.Select(spec, _nodes.Items);
        logger.LogDebug("reconciling ImagePrePull {Key}: {Targets} of {Nodes} node(s) targeted", key, targets.Count, _nodes.Count);
        var now = time.GetUtcNow();

        var (resolved, digests, repoDigests) = await ResolveAsync(key, spec, targets, now, cancellationToken);

        // Secrets the agents need, merged into one copy where they may read them; unusable ones become a condition.
        var secrets = await _secrets.EnsureAsync(owner, spec.ImagePullSecrets, cancellationToken);
        var pullSecret = secrets.Copy;

        var failures = new List<FailedNode>();
        var targetNodes = targets.Select(node =>
        {
            var platform = TargetNodes.PlatformOf(node, spec.Platform).ToString();
            var status = _writer.StatusOf(node.Metadata.Name);
            var (phase, failed) = NodeProgress.Of(node.Metadata.Name, status, spec.Images, platform, digests, repoDigests);
            failures.AddRange(failed);
            return new TargetNode(node.Metadata.Name, platform, phase);
        }).ToList();

        var current = _writer.CurrentEntries();
        var plan = NodeImagePlanner.Plan(PrePullIntent.Of(owner, spec, pullSecret, digests, repoDigests), targetNodes, current, limits.MaxImagesPerNode);
        limitProblems.AddRange(plan.CapacityProblems(limits.MaxImagesPerNode));
        await _writer.WriteAsync(plan.Desired, current, cancellationToken);
        await CollectSecretsAsync(except: null, cancellationToken);

        var result = PrePullStatusBuilder.Build(prePull.Metadata.Generation, prePull.Status, resolved, targetNodes, failures, plan.Carrying, now, secrets.Problems, limitProblems);
        var status = result.Status;
        metrics.Record(key, status.DesiredNodes, status.ReadyNodes, status.FailedNodes);
        var wasReady = Conditions.IsTrue(prePull.Status?.Conditions, PrePullConditions.Ready);
        var wasDegraded = Conditions.IsTrue(prePull.Status?.Conditions, PrePullConditions.Degraded);
        if (await StatusWriter.WriteAsync(_prePullClient, prePull, status, cancellationToken, PrePullStatusValue.Comparer))
        {
            if (result.Progress == Progress.Current && !wasReady)
            {
                await _events.NormalAsync(prePull, PrePullConditions.Ready, $"all {status.DesiredNodes} target node(s) have every image", cancellationToken);
            }

            if (Conditions.IsTrue(status.Conditions, PrePullConditions.Degraded) && !wasDegraded)
            {
                await _events.WarningAsync(prePull, result.Reason.ToString(), status.Conditions!.First(c => c.Type == PrePullConditions.Degraded).Message, cancellationToken);
            }
        }

        // Look again when slots may have freed up, and re-resolve tags every resolve interval so moved tags reach the nodes.
        return ReconcileResult.After(plan.Waiting > 0 && resolver.Interval > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : resolver.Interval);
    }

    public async Task FinalizeAsync(V1Alpha1ImagePrePull prePull, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(prePull);
        var current = _writer.CurrentEntries();
        await _writer.WriteAsync(NodeImagePlanner.Remove(new PlannedOwner(V1Alpha1ImagePrePull.KindName, key.Namespace, key.Name), current), current, cancellationToken);
        await CollectSecretsAsync(except: key, cancellationToken);
        metrics.Forget(key);
        logger.LogInformation("ImagePrePull {Key} deleted: its NodeImage entries are removed", key);
    }

    private static ValueList<(string Reference, ImagePhase Phase, string? Digest, PullFailureReason? Reason, string? Message)> Reported(V1Alpha1NodeImage? nodeImage) =>
        (nodeImage?.Status?.Images ?? []).Select(i => (i.Reference, i.Phase, i.Digest, i.Reason, i.Message)).ToValueList();

    /// <summary>Resolves every image for every platform among the targets.</summary>
    private async Task<(List<Api.ResolvedImage> Resolved, Dictionary<(string Image, string Platform), string> Digests, Dictionary<string, string> RepoDigests)> ResolveAsync(
        ResourceKey key, ImagePrePullSpec spec, IReadOnlyList<V1Node> targets, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var platforms = targets.Select(n => TargetNodes.PlatformOf(n, spec.Platform)).DistinctBy(p => p.ToString()).ToList();
        var digests = new Dictionary<(string Image, string Platform), string>();
        var resolved = new List<Api.ResolvedImage>();
        foreach (var image in spec.Images)
        {
            var entry = new Api.ResolvedImage { Image = image, Platforms = [], ResolvedAt = now.UtcDateTime };
            try
            {
                var reference = ImageReference.Parse(image);
                foreach (var platform in platforms)
                {
                    var answer = await resolver.ResolveAsync(reference, platform, key.Namespace, spec.ImagePullSecrets, cancellationToken);
                    entry.Digest = answer.RepoDigest.ToString();
                    entry.Platforms.Add(new PlatformDigest { Platform = platform.ToString(), Digest = answer.Manifest.Digest.ToString() });
                    digests[(image, platform.ToString())] = answer.Manifest.Digest.ToString();
                }
            }
            catch (Exception e) when (e is RegistryException or OciFormatException)
            {
                entry.Message = e.Message;
            }

            resolved.Add(entry);
        }

        // What each tag pointed at (an index digest for multi-platform images), as the runtimes report it.
        var repoDigests = resolved.Where(i => i.Digest is not null).DistinctBy(i => i.Image).ToDictionary(i => i.Image, i => i.Digest!, StringComparer.Ordinal);
        return (resolved, digests, repoDigests);
    }

    private async Task CollectSecretsAsync(ResourceKey? except, CancellationToken cancellationToken)
    {
        var referenced = PullSecretMirror.Referenced(_prePulls.Items, _policies.Items, except is { } key ? (V1Alpha1ImagePrePull.KindName, key) : null);
        await _secrets.CollectAsync(referenced, cancellationToken);
    }
}
