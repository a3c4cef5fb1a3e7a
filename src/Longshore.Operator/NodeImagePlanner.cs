using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// What each NodeImage should hold for one owner, given its resolved images, its target nodes and what the
/// NodeImages hold now. Pure: the reconciler writes only the differences.
/// <list type="bullet">
/// <item>Nodes that carry the owner's entries have started; a node still pulling occupies one of <c>parallelism</c>
/// slots, and new nodes start only while slots are free. A node that already has every image (through another owner)
/// starts without taking a slot.</item>
/// <item>Entries are keyed by reference and digest; an entry several owners want is shared, its settings the most
/// generous of theirs (pinned if any pins, the larger backoffLimit, the first secret and timeout), so owners never undo
/// each other's writes.</item>
/// <item>Other owners' entries stay; nodes that are no longer targets lose this owner; entries without owners go.</item>
/// <item>No NodeImage grows past <c>maxImagesPerNode</c> entries: an owner's images that would be new entries on a full
/// node are left out and counted in <see cref="NodeImagePlan.Refused"/>; joining an existing entry is always allowed.</item>
/// <item>Entries are kept sorted (reference, digest; owners by kind, namespace, name): planning twice changes nothing.</item>
/// </list>
/// </summary>
public static class NodeImagePlanner
{
    public static NodeImagePlan Plan(PrePullIntent intent, IReadOnlyList<TargetNode> targets, IReadOnlyDictionary<string, ValueList<PlannedImage>> current, int maxImagesPerNode = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(intent);
        bool Carries(string node) => current.TryGetValue(node, out var entries) && entries.Any(e => e.Owners.Contains(intent.Owner));

        var started = targets.Where(t => Carries(t.Name)).ToList();
        var inProgress = started.Count(t => t.Phase == NodePhase.Pulling);
        var notStarted = targets.Where(t => !Carries(t.Name)).ToList();
        var free = notStarted.Where(t => t.Phase != NodePhase.Pulling);
        var startable = notStarted.Where(t => t.Phase == NodePhase.Pulling).Take(Math.Max(0, intent.Parallelism - inProgress));
        var carrying = started.Concat(free).Concat(startable).ToDictionary(t => t.Name, StringComparer.Ordinal);

        var desired = new Dictionary<string, ValueList<PlannedImage>>(StringComparer.Ordinal);
        foreach (var (node, entries) in current)
        {
            if (!carrying.ContainsKey(node) && entries.Any(e => e.Owners.Contains(intent.Owner)))
            {
                desired[node] = Without(intent.Owner, entries);
            }
        }

        var refused = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (node, target) in carrying)
        {
            (desired[node], var left) = With(intent, target.Platform, current.GetValueOrDefault(node) ?? new ValueList<PlannedImage>([]), maxImagesPerNode);
            if (left > 0)
            {
                refused[node] = left;
            }
        }

        return new NodeImagePlan(desired, carrying.Keys.ToHashSet(StringComparer.Ordinal), targets.Count - carrying.Count, refused);
    }

    /// <summary>Every NodeImage that holds <paramref name="owner"/>'s entries, without them (the owner is gone).</summary>
    public static IReadOnlyDictionary<string, ValueList<PlannedImage>> Remove(PlannedOwner owner, IReadOnlyDictionary<string, ValueList<PlannedImage>> current) =>
        current.Where(c => c.Value.Any(e => e.Owners.Contains(owner))).ToDictionary(c => c.Key, c => Without(owner, c.Value), StringComparer.Ordinal);

    /// <summary>
    /// The entries without <paramref name="owner"/>, entries nobody else wants dropped; a shared entry that used the
    /// owner's pull-secret copy loses it (the copy goes with its owner), and another owner's copy takes its place.
    /// </summary>
    public static ValueList<PlannedImage> Without(PlannedOwner owner, IEnumerable<PlannedImage> entries) =>
        Sorted(entries
            .Select(e => e.Owners.Contains(owner)
                ? e with { Owners = e.Owners.Where(o => o != owner).ToValueList(), PullSecret = e.PullSecret?.Name == PullSecretCopies.CopyName(owner) ? null : e.PullSecret }
                : e)
            .Where(e => e.Owners.Count > 0));

    private static (ValueList<PlannedImage> Images, int Refused) With(PrePullIntent intent, string platform, IEnumerable<PlannedImage> entries, int maxImagesPerNode)
    {
        var images = Without(intent.Owner, entries).ToList();
        var refused = 0;
        foreach (var reference in intent.Images.Distinct(StringComparer.Ordinal))
        {
            var digest = intent.Digests.GetValueOrDefault((reference, platform));
            var repoDigest = intent.RepoDigests.GetValueOrDefault(reference);
            // Two spellings of one image are one entry (the NodeImage webhook allows one per image, digest and platform).
            var key = SameImage.Key(reference);
            var index = images.FindIndex(i => SameImage.Key(i.Reference) == key && i.Digest == digest);
            if (index < 0 && images.Count >= maxImagesPerNode)
            {
                refused++;
                continue;
            }

            if (index < 0)
            {
                images.Add(new PlannedImage(reference, digest, repoDigest, intent.Pin, intent.PullSecret, new ValueList<PlannedOwner>([intent.Owner]), intent.Platform, intent.PullTimeout, intent.BackoffLimit));
                continue;
            }

            var shared = images[index];
            if (shared.Owners.Contains(intent.Owner))
            {
                continue;
            }

            images[index] = shared with
            {
                RepoDigest = shared.RepoDigest ?? repoDigest,
                Pin = shared.Pin || intent.Pin,
                PullSecret = shared.PullSecret ?? intent.PullSecret,
                Owners = shared.Owners.Append(intent.Owner).ToValueList(),
                Platform = shared.Platform ?? intent.Platform,
                PullTimeout = shared.PullTimeout ?? intent.PullTimeout,
                BackoffLimit = Max(shared.BackoffLimit, intent.BackoffLimit),
            };
        }

        return (Sorted(images), refused);
    }

    private static int? Max(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static ValueList<PlannedImage> Sorted(IEnumerable<PlannedImage> images) =>
        images
            .Select(i => i with { Owners = i.Owners.OrderBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal).ToValueList() })
            .OrderBy(i => i.Reference, StringComparer.Ordinal)
            .ThenBy(i => i.Digest, StringComparer.Ordinal)
            .ToValueList();
}
