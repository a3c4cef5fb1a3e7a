using System.Globalization;
using Longshore.Api;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// Decides, with no side effect, which images a prune removes. Never planned, whatever the mode: images a container uses
/// (running or exited, sandboxes included), pinned images, images a NodeImage entry wants, images a keep pattern
/// matches, and images used within olderThan. With disk thresholds, it removes only while the image filesystem is fuller
/// than diskUsageAbove and only until diskUsageTarget, least recently used first. Bytes are counted over the runtime's
/// content graph: an item counts once its last image goes, so a layer a surviving image shares is never counted.
/// </summary>
public static class PrunePlanner
{
    /// <param name="criteria">What the request asks.</param>
    /// <param name="snapshot">The runtime's images, the in-use set and the image filesystem usage.</param>
    /// <param name="content">What each image holds on disk; null where the runtime cannot tell.</param>
    /// <param name="wanted">IDs of images a NodeImage entry of this node wants.</param>
    /// <param name="lastUse">When a container last used an image (or the agent first saw it); null when never seen.</param>
    /// <param name="now">The time olderThan counts back from.</param>
    public static NodePrunePlan Plan(
        PruneCriteria criteria,
        RuntimeSnapshot snapshot,
        RuntimeContent? content,
        IReadOnlySet<string> wanted,
        Func<string, DateTimeOffset?> lastUse,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(lastUse);

        var skipped = new List<PruneSkip>();
        var eligible = new List<(RuntimeImage Image, DateTimeOffset? LastUsed)>();
        foreach (var image in snapshot.Images.OrderBy(i => i.Id, StringComparer.Ordinal))
        {
            if (criteria.DanglingOnly && image.RepoTags.Count > 0)
            {
                continue;
            }

            var used = lastUse(image.Id);
            if (Protection(criteria, snapshot.InUse, wanted, image, used, now) is { } reason)
            {
                skipped.Add(new PruneSkip(image, reason));
            }
            else
            {
                eligible.Add((image, used));
            }
        }

        // Least recently used first; never-seen images count as used now, and the ID breaks ties so plans are repeatable.
        eligible = eligible.OrderBy(e => e.LastUsed ?? now).ThenBy(e => e.Image.Id, StringComparer.Ordinal).ToList();
        var counter = new FreedBytes(content);
        var (stopAt, note) = StopAt(criteria, snapshot.Usage);
        var removals = new List<PlannedRemoval>();
        long planned = 0;
        foreach (var (image, used) in eligible)
        {
            if (stopAt is { } limit && snapshot.Usage!.UsedBytes - planned <= limit)
            {
                skipped.Add(new PruneSkip(image, PruneSkipReason.BelowDiskTarget));
                continue;
            }

            var bytes = counter.Remove(image);
            planned += bytes;
            removals.Add(new PlannedRemoval(image, bytes, used));
        }

        return new NodePrunePlan(removals, skipped, planned, counter.Exact, note);
    }

    /// <summary>Why an image stays whatever the disk says, or null when it is a candidate.</summary>
    public static PruneSkipReason? Protection(PruneCriteria criteria, IReadOnlySet<string> inUse, IReadOnlySet<string> wanted, RuntimeImage image, DateTimeOffset? lastUsed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        ArgumentNullException.ThrowIfNull(inUse);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(image);
        if (InUse(inUse, image))
        {
            return PruneSkipReason.InUse;
        }

        if (image.Pinned)
        {
            return PruneSkipReason.Pinned;
        }

        if (wanted.Contains(image.Id))
        {
            return PruneSkipReason.Wanted;
        }

        if (criteria.Keep.Matches(image))
        {
            return PruneSkipReason.Kept;
        }

        // An image never seen before counts as used now: it may have just arrived.
        return criteria.OlderThan > TimeSpan.Zero && now - (lastUsed ?? now) < criteria.OlderThan ? PruneSkipReason.TooRecent : null;
    }

    /// <summary>Runtimes name a container's image by ID, or (some) by repo digest or tag: any of them means in use.</summary>
    public static bool InUse(IReadOnlySet<string> inUse, RuntimeImage image)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        ArgumentNullException.ThrowIfNull(image);
        return inUse.Contains(image.Id) || image.RepoDigests.Any(inUse.Contains) || image.RepoTags.Any(inUse.Contains);
    }

    /// <summary>The used bytes at which removal stops, or null when the request sets no threshold.</summary>
    private static (long? StopAt, string? Note) StopAt(PruneCriteria criteria, ImageFilesystemUsage? usage)
    {
        if (criteria.DiskUsageAbove is not { } above)
        {
            return (null, null);
        }

        if (usage?.CapacityBytes is not { } capacity || capacity <= 0)
        {
            // Nothing is removed: without a capacity the threshold cannot be known to be crossed.
            return (long.MaxValue, $"the image filesystem's capacity is unknown, so diskUsageAbove ({above}%) cannot be checked; nothing removed");
        }

        var percent = usage.UsedBytes * 100.0 / capacity;
        var shown = percent.ToString("0.#", CultureInfo.InvariantCulture);
        if (usage.UsedBytes * 100 <= above * capacity)
        {
            return (long.MaxValue, $"image filesystem {shown}% full, not above {above}%");
        }

        var target = criteria.DiskUsageTarget ?? above;
        return (target * capacity / 100, $"image filesystem {shown}% full, above {above}%: removing least recently used images until {target}%");
    }

    /// <summary>Reference counts over the content graph: an item is freed when the last image reaching it is removed.</summary>
    private sealed class FreedBytes
    {
        private readonly RuntimeContent? _content;
        private readonly Dictionary<string, int> _references = new(StringComparer.Ordinal);

        public FreedBytes(RuntimeContent? content)
        {
            _content = content;
            Exact = content is not null;
            if (content is null)
            {
                return;
            }

            foreach (var items in content.ImageItems.Values)
            {
                // Each image lists an item once (RuntimeContent's contract).
                foreach (var item in items)
                {
                    _references[item] = _references.GetValueOrDefault(item) + 1;
                }
            }

            foreach (var item in content.Held)
            {
                _references[item] = _references.GetValueOrDefault(item) + 1;
            }
        }

        public bool Exact { get; private set; }

        public long Remove(RuntimeImage image)
        {
            if (_content is null || !_content.ImageItems.TryGetValue(image.Id, out var items))
            {
                // The content listing does not know the image (it arrived between the two listings): its own size.
                Exact = false;
                return image.Size;
            }

            long freed = 0;
            foreach (var item in items)
            {
                var left = _references[item] - 1;
                _references[item] = left;
                if (left == 0)
                {
                    freed += _content.Sizes.GetValueOrDefault(item);
                }
            }

            return freed;
        }
    }
}
