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
    private readonly ConcurrentDictionary<string, Lazy<Task<(T Value, DateTimeOffset At, bool Stale, string? Error)>>> _inFlight = new(StringComparer.Ordinal);
    private long _hits;
    private long _misses;

    /// <summary>Answers served from the cache or by joining a request already under way.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Requests made to the source.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>
    /// An answer no older than <paramref name="maxAge"/> (default: the time to live). A stale answer carries the
    /// source's error, so callers can say why the last known good answer stands.
    /// </summary>
    public async Task<(T Value, DateTimeOffset At, bool Stale, string? Error)> GetAsync(string key, Func<CancellationToken, Task<T>> fetch, TimeSpan? maxAge, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var age = maxAge is { } wanted && wanted < ttl ? wanted : ttl;
        if (_known.TryGetValue(key, out var cached) && now - cached.At < age)
        {
            cached.LastUsed = now;
            Interlocked.Increment(ref _hits);
            return (cached.Value, cached.At, false, null);
        }

        var started = false;
        var flight = _inFlight.GetOrAdd(key, k =>
        {
            started = true;
            return new Lazy<Task<(T, DateTimeOffset, bool, string?)>>(() => FetchAsync(k, fetch));
        });
        Interlocked.Increment(ref started ? ref _misses : ref _hits);
        return await flight.Value.WaitAsync(cancellationToken);
    }

    public void Invalidate(string key) => _known.TryRemove(key, out _);

    private async Task<(T Value, DateTimeOffset At, bool Stale, string? Error)> FetchAsync(string key, Func<CancellationToken, Task<T>> fetch)
    {
        try
        {
            // The shared request must not be cancelled by the first caller leaving; the client's own timeouts bound it.
            var value = await fetch(CancellationToken.None);
            var now = time.GetUtcNow();
            _known[key] = new Entry(value, now) { LastUsed = now };
            Prune(now);
            return (value, now, false, null);
        }
        catch (RegistryException e) when (ResolutionCache.IsOutage(e) && _known.TryGetValue(key, out var lastGood))
        {
            lastGood.LastUsed = time.GetUtcNow();
            return (lastGood.Value, lastGood.At, true, e.Message);
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
