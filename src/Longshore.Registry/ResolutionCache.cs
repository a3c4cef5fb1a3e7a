using System.Collections.Concurrent;
using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// Caches tag → digest resolutions for <see cref="Ttl"/>. Concurrent callers for one reference share a single request;
/// when the registry is unreachable the last known good answer is returned, marked stale, so controllers keep working
/// through a registry outage. Registry refusals (unknown tag, unauthorized) are not masked.
/// </summary>
public sealed class ResolutionCache(Func<ImageReference, CancellationToken, Task<Descriptor>> resolve, TimeSpan ttl, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, ResolvedDigest> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<ResolvedDigest>>> _inFlight = new(StringComparer.Ordinal);

    public ResolutionCache(RegistryClient client, TimeSpan ttl, TimeProvider? timeProvider = null)
        : this(client.ResolveAsync, ttl, timeProvider)
    {
    }

    public TimeSpan Ttl { get; } = ttl;

    public async Task<ResolvedDigest> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var key = reference.ToString();
        if (_known.TryGetValue(key, out var cached) && !cached.Stale && _time.GetUtcNow() - cached.ResolvedAt < Ttl)
        {
            return cached;
        }

        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task<ResolvedDigest>>(() => FetchAsync(key, reference)));
        return await flight.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets a reference so the next call asks the registry.</summary>
    public void Invalidate(ImageReference reference) => _known.TryRemove(reference.ToString(), out _);

    private async Task<ResolvedDigest> FetchAsync(string key, ImageReference reference)
    {
        try
        {
            // The shared request must not be cancelled by the first caller leaving.
            var descriptor = await resolve(reference, CancellationToken.None);
            var fresh = new ResolvedDigest(reference, descriptor, _time.GetUtcNow(), Stale: false);
            _known[key] = fresh;
            return fresh;
        }
        catch (RegistryException e) when (e.StatusCode is null && _known.TryGetValue(key, out var lastGood))
        {
            return lastGood with { Stale = true };
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }
}
