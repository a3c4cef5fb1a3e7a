using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// ensureOnNodes through the ImagePrePull machinery: an ImagePolicy's locks become a <see cref="PrePullIntent"/> whose
/// images are the pinned references (<c>repository@digest</c>, pinned against kubelet's GC), which
/// <see cref="NodeImagePlanner"/> writes into the target nodes' NodeImages beside other owners' entries; and the agents'
/// reports say which nodes miss a pinned digest. Pure.
/// </summary>
public static class PolicyNodes
{
    /// <summary>Every target node may pull at once: the digests are wanted wherever the policy's Pods may run.</summary>
    public const int Parallelism = int.MaxValue;

    /// <summary>The reference a node pulls and keeps for a lock: the repository at the pinned digest.</summary>
    public static string ReferenceOf(ImageLock @lock)
    {
        ArgumentNullException.ThrowIfNull(@lock);
        return $"{@lock.Image}@{@lock.Digest}";
    }

    public static PrePullIntent Intent(PlannedOwner owner, IReadOnlyList<ImageLock> locks, IEnumerable<string> platforms, (string Namespace, string Name)? pullSecret)
    {
        ArgumentNullException.ThrowIfNull(locks);
        var digests = new Dictionary<(string Image, string Platform), string>();
        var repoDigests = new Dictionary<string, string>(StringComparer.Ordinal);
        var platformList = platforms.Distinct(StringComparer.Ordinal).ToList();
        foreach (var @lock in locks.Where(l => l.Digest.Length > 0))
        {
            var reference = ReferenceOf(@lock);
            repoDigests[reference] = @lock.Digest;
            foreach (var platform in platformList)
            {
                // An index pins the node's platform manifest; a single manifest is itself.
                digests[(reference, platform)] = @lock.PlatformDigests is { Count: > 0 } list
                    ? list.FirstOrDefault(p => p.Platform == platform)?.Digest ?? @lock.Digest
                    : @lock.Digest;
            }
        }

        return new PrePullIntent(owner, repoDigests.Keys.ToList(), Pin: true, Parallelism, PullTimeout: null, BackoffLimit: null, Platform: null, pullSecret, digests, repoDigests);
    }

    /// <summary>Per target node and lock, whether the node's agent reports the pinned digest Present; nodes still pulling.</summary>
    public static NodeDriftReport Drift(IReadOnlyList<ImageLock> locks, IReadOnlyList<TargetNode> targets, Func<string, NodeImageStatus?> statusOf, PrePullIntent intent)
    {
        ArgumentNullException.ThrowIfNull(locks);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(statusOf);
        ArgumentNullException.ThrowIfNull(intent);
        var byImage = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = 0;
        var pulling = 0;
        foreach (var target in targets)
        {
            var status = statusOf(target.Name);
            var nodeMissing = false;
            var nodePulling = false;
            foreach (var @lock in locks.Where(l => l.Digest.Length > 0))
            {
                var (phase, _) = NodeProgress.Of(target.Name, status, [ReferenceOf(@lock)], target.Platform, intent.Digests, intent.RepoDigests);
                if (phase != NodePhase.Ready)
                {
                    nodeMissing = true;
                    nodePulling |= phase == NodePhase.Pulling;
                    byImage[@lock.Image] = byImage.GetValueOrDefault(@lock.Image) + 1;
                }
            }

            missing += nodeMissing ? 1 : 0;
            pulling += nodePulling ? 1 : 0;
        }

        return new NodeDriftReport(targets.Count, missing, byImage, pulling);
    }
}
