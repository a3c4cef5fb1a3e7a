using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// Decides each image's lock from the spec entry, the lock in status and what the registry said. Pure.
/// <list type="bullet">
/// <item>Follow: the lock is what the tag (or the highest tag in range) points at; a new digest moves it, the old one
/// becoming previousDigest and closing its history entry.</item>
/// <item>Hold: the lock is the spec's approved <c>digest</c>, else the lock already made, else the first resolution; a
/// tag pointing elsewhere shows as registryDigest (tag-moved drift) until the spec approves it.</item>
/// <item>A registry that is down leaves the lock where it was, marked stale with the error (last known good); a refusal
/// (unknown tag, no tag in range, unauthorized) leaves it too, with the error, and is reported.</item>
/// <item>No resolution this time (not due): the lock as it is.</item>
/// </list>
/// </summary>
public static class LockPlanner
{
    public const string Follow = "Follow";
    public const string Hold = "Hold";
    public const int MaxHistory = 10;

    /// <summary>
    /// The digest the lock will hold, so the caller can look up that digest's platform manifests before planning (under
    /// Hold it may differ from what the registry answered).
    /// </summary>
    public static string? TargetDigest(PolicyImage image, ImageLock? current, ImageResolution? resolution)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.UpdatePolicy == Hold)
        {
            return image.Digest ?? NonEmpty(current?.Digest) ?? resolution?.Digest;
        }

        return resolution?.Digest ?? NonEmpty(current?.Digest);
    }

    /// <param name="platforms">Platform manifests by digest, for the digests known to be indexes (the target's at least).</param>
    public static LockOutcome Plan(
        PolicyImage image,
        ImageLock? current,
        ImageResolution? resolution,
        IReadOnlyDictionary<string, IReadOnlyList<PlatformDigest>> platforms,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(platforms);
        var at = Seconds(now);
        if (resolution is null)
        {
            return new LockOutcome(image.Repository, current, LockChange.None, current?.Message, false);
        }

        var refused = resolution.Digest is null && !resolution.Outage;
        var target = TargetDigest(image, current, resolution);
        if (target is null)
        {
            return new LockOutcome(image.Repository, null, LockChange.None, resolution.Error ?? "not resolved", refused);
        }

        var previous = NonEmpty(current?.Digest);
        var change = previous is null ? LockChange.Locked
            : previous != target ? (image.UpdatePolicy == Hold ? LockChange.Approved : LockChange.Moved)
            : LockChange.None;
        var registryDigest = resolution.Digest is { } seen && seen != target ? seen : null;
        if (change == LockChange.None && registryDigest is not null && registryDigest != current?.RegistryDigest)
        {
            change = LockChange.Held;
        }

        // Without an answer this time the registry's view stays what it was.
        if (resolution.Digest is null)
        {
            registryDigest = current?.RegistryDigest is { } known && known != target ? known : null;
        }

        var tag = resolution.Tag ?? current?.Tag;
        var moved = change is LockChange.Moved or LockChange.Approved;
        var failed = resolution.Digest is null;
        var stale = resolution.Stale || (failed && resolution.Outage);
        var @lock = new ImageLock
        {
            Image = image.Repository,
            Tag = tag,
            Semver = image.Semver,
            UpdatePolicy = image.UpdatePolicy,
            Digest = target,
            PlatformDigests = platforms.TryGetValue(target, out var list) ? [.. list] : target == previous ? current!.PlatformDigests : null,
            RegistryDigest = registryDigest,
            ResolvedAt = change is LockChange.Locked || moved ? at : current?.ResolvedAt,
            PreviousDigest = moved ? previous : current?.PreviousDigest,
            History = History(current, change, target, tag, at),
            Stale = stale ? true : null,
            Message = stale || failed ? resolution.Error : null,
        };
        if (@lock.PlatformDigests is { Count: 0 })
        {
            @lock.PlatformDigests = null;
        }

        return new LockOutcome(image.Repository, @lock, change, failed ? resolution.Error : null, refused);
    }

    private static List<LockHistoryEntry> History(ImageLock? current, LockChange change, string digest, string? tag, DateTime at)
    {
        var history = (current?.History ?? []).Select(h => new LockHistoryEntry { Digest = h.Digest, Tag = h.Tag, From = h.From, To = h.To }).ToList();
        if (change is LockChange.Locked or LockChange.Moved or LockChange.Approved)
        {
            if (history.Count > 0 && history[0].To is null)
            {
                history[0].To = at;
            }

            history.Insert(0, new LockHistoryEntry { Digest = digest, Tag = tag, From = at });
        }
        else if (history.Count == 0)
        {
            // A lock made before history was kept gets its entry.
            history.Add(new LockHistoryEntry { Digest = digest, Tag = tag, From = current?.ResolvedAt ?? at });
        }

        return history.Take(MaxHistory).ToList();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Times as the API server keeps them (whole seconds), so an unchanged status compares equal to what was written.</summary>
    public static DateTime Seconds(DateTimeOffset time) => new(time.UtcDateTime.Ticks - (time.UtcDateTime.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
