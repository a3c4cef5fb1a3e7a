using System.Collections.Concurrent;

namespace Longshore.Registry;

/// <summary>
/// Answers cached for a time to live; concurrent callers for one key share a single request; when the source is down
/// (see <see cref="ResolutionCache.IsOutage"/>) the last known good answer is returned, marked stale. Entries nobody
/// asked for during two lifetimes are dropped, so the cache follows the objects that still exist.
/// </summary>
internal sealed class SingleFlightCache<T>(TimeSpan ttl, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<(T Value, DateTimeOffset At, bool Stale)>>> _inFlight = new(StringComparer.Ordinal);

    public async Task<(T Value, DateTimeOffset At, bool Stale)> GetAsync(string key, Func<CancellationToken, Task<T>> fetch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_known.TryGetValue(key, out var cached) && now - cached.At < ttl)
        {
            cached.LastUsed = now;
            return (cached.Value, cached.At, false);
        }

        var flight = _inFlight.GetOrAdd(key, k => new Lazy<Task<(T, DateTimeOffset, bool)>>(() => FetchAsync(k, fetch)));
        return await flight.Value.WaitAsync(cancellationToken);
    }

    public void Invalidate(string key) => _known.TryRemove(key, out _);

    private async Task<(T Value, DateTimeOffset At, bool Stale)> FetchAsync(string key, Func<CancellationToken, Task<T>> fetch)
    {
        try
        {
            // The shared request must not be cancelled by the first caller leaving; the client's own timeouts bound it.
            var value = await fetch(CancellationToken.None);
            var now = time.GetUtcNow();
            _known[key] = new Entry(value, now) { LastUsed = now };
            Prune(now);
            return (value, now, false);
        }
        catch (RegistryException e) when (ResolutionCache.IsOutage(e) && _known.TryGetValue(key, out var lastGood))
        {
            lastGood.LastUsed = time.GetUtcNow();
            return (lastGood.Value, lastGood.At, true);
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var unused in _known.Where(e => now - e.Value.LastUsed > 2 * ttl).Select(e => e.Key).ToList())
        {
            _known.TryRemove(unused, out _);
        }
    }

    private sealed class Entry(T value, DateTimeOffset at)
    {
        public T Value { get; } = value;

        public DateTimeOffset At { get; } = at;

        public DateTimeOffset LastUsed { get; set; }
    }
}
