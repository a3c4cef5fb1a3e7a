using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// Caches tag → digest resolutions (and tag → platform manifest resolutions) for <see cref="Ttl"/>. Concurrent callers
/// for one reference share a single request; when the registry is unreachable, times out, is throttling or failing
/// (5xx) the last known good answer is returned, marked stale, so controllers keep working through a registry outage.
/// Registry refusals (unknown tag, unauthorized, missing platform) are not masked. Answers are kept per credential, so
/// one pull secret's answer never serves another.
/// </summary>
public sealed class ResolutionCache
{
    private readonly Func<ImageReference, CancellationToken, Task<Descriptor>> _resolve;
    private readonly Func<ImageReference, Platform, RegistryCredential?, CancellationToken, Task<ResolvedImage>>? _resolvePlatform;
    private readonly SingleFlightCache<Descriptor> _digests;
    private readonly SingleFlightCache<ResolvedImage> _platforms;
    private readonly SingleFlightCache<(IReadOnlyList<string> Tags, bool Truncated)> _tags;
    private readonly ConcurrentDictionary<string, Lazy<Task<ManifestDocument>>> _byDigest = new(StringComparer.Ordinal);
    private readonly RegistryClient? _client;

    public ResolutionCache(Func<ImageReference, CancellationToken, Task<Descriptor>> resolve, TimeSpan ttl, TimeProvider? timeProvider = null)
        : this(resolve, null, ttl, timeProvider)
    {
    }

    /// <summary>Resolves through one shared client; platform resolutions use the credential passed per call.</summary>
    public ResolutionCache(RegistryClient client, TimeSpan ttl, TimeProvider? timeProvider = null)
        : this(
            client.ResolveAsync,
            (reference, platform, credential, ct) => (credential is null ? client : client.WithCredentials(_ => credential)).ResolvePlatformAsync(reference, platform, ct),
            ttl,
            timeProvider) =>
        _client = client;

    /// <summary>For tests and callers with their own resolution: both functions may be stand-ins.</summary>
    public ResolutionCache(
        Func<ImageReference, CancellationToken, Task<Descriptor>> resolve,
        Func<ImageReference, Platform, RegistryCredential?, CancellationToken, Task<ResolvedImage>>? resolvePlatform,
        TimeSpan ttl,
        TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        _resolve = resolve;
        _resolvePlatform = resolvePlatform;
        Ttl = ttl;
        _digests = new SingleFlightCache<Descriptor>(ttl, time);
        _platforms = new SingleFlightCache<ResolvedImage>(ttl, time);
        _tags = new SingleFlightCache<(IReadOnlyList<string>, bool)>(ttl, time);
    }

    /// <summary>Answers given without a registry request (cached, or joined to one under way).</summary>
    public long Hits => _digests.Hits + _platforms.Hits + _tags.Hits;

    /// <summary>Answers that needed a registry request.</summary>
    public long Misses => _digests.Misses + _platforms.Misses + _tags.Misses;

    public TimeSpan Ttl { get; }

    public async Task<ResolvedDigest> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var (descriptor, at, stale, error) = await _digests.GetAsync(reference.ToString(), ct => _resolve(reference, ct), null, cancellationToken);
        return new ResolvedDigest(reference, descriptor, at, stale, error);
    }

    /// <summary>The reference resolved for <paramref name="platform"/> with <paramref name="credential"/> (null: anonymous).</summary>
    public async Task<ResolvedPlatform> ResolvePlatformAsync(ImageReference reference, Platform platform, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        var resolvePlatform = _resolvePlatform ?? throw new InvalidOperationException("this cache was made without a platform resolver");
        var key = $"{reference}|{platform}|{Identity(credential)}";
        var (image, at, stale, error) = await _platforms.GetAsync(key, ct => resolvePlatform(reference, platform, credential, ct), null, cancellationToken);
        return new ResolvedPlatform(image, at, stale, error);
    }

    /// <summary>
    /// What the reference points at now (HEAD first, so an unchanged tag costs one HEAD and no manifest GET), with
    /// <paramref name="credential"/>, no older than <paramref name="maxAge"/> (default and at most the time to live).
    /// </summary>
    public async Task<ResolvedDigest> ResolveAsync(ImageReference reference, RegistryCredential? credential, TimeSpan? maxAge, CancellationToken cancellationToken = default)
    {
        var client = Client();
        var key = $"{reference}|{Identity(credential)}";
        var (descriptor, at, stale, error) = await _digests.GetAsync(key, ct => View(client, credential).ResolveAsync(reference, ct), maxAge, cancellationToken);
        return new ResolvedDigest(reference, descriptor, at, stale, error);
    }

    /// <summary>The repository's tags (following pagination), at most <paramref name="maxTags"/>, no older than <paramref name="maxAge"/>.</summary>
    public async Task<ResolvedTags> ListTagsAsync(ImageReference repository, RegistryCredential? credential, int maxTags, TimeSpan? maxAge, CancellationToken cancellationToken = default)
    {
        var client = Client();
        var key = $"{repository.Repository}|{maxTags}|{Identity(credential)}";
        var ((tags, truncated), at, stale, error) = await _tags.GetAsync(
            key,
            async ct =>
            {
                var list = new List<string>();
                await foreach (var tag in View(client, credential).ListTagsAsync(repository, ct))
                {
                    if (list.Count == maxTags)
                    {
                        return ((IReadOnlyList<string>)list, true);
                    }

                    list.Add(tag);
                }

                return (list, false);
            },
            maxAge,
            cancellationToken);
        return new ResolvedTags(tags, truncated, at, stale, error);
    }

    /// <summary>
    /// The manifest or index with this digest. Content-addressed, so it never changes: fetched once per repository and
    /// digest and credential (verified against the digest) and kept; failures are not kept.
    /// </summary>
    public async Task<ManifestDocument> GetManifestAsync(ImageReference repository, Digest digest, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        var client = Client();
        var key = $"{repository.Repository}@{digest}|{Identity(credential)}";
        if (_byDigest.Count > MaxManifests)
        {
            _byDigest.Clear();
        }

        var entry = _byDigest.GetOrAdd(key, _ => new Lazy<Task<ManifestDocument>>(() => View(client, credential).GetManifestAsync(repository.RepositoryOnly().WithDigest(digest), CancellationToken.None)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _byDigest.TryRemove(new KeyValuePair<string, Lazy<Task<ManifestDocument>>>(key, entry));
            throw;
        }
    }

    /// <summary>Forgets a reference so the next call asks the registry.</summary>
    public void Invalidate(ImageReference reference) => _digests.Invalidate(reference.ToString());

    /// <summary>True when the registry could not answer (unreachable, timed out, throttling, 5xx) rather than refused.</summary>
    public static bool IsOutage(RegistryException error) =>
        error is not DigestMismatchException
        && error.ErrorCode is null
        && (error.StatusCode is null or HttpStatusCode.TooManyRequests || (int)error.StatusCode >= 500);

    /// <summary>Manifests kept by digest before the cache starts over (a few MB at most: they are small).</summary>
    private const int MaxManifests = 4096;

    private static RegistryClient View(RegistryClient client, RegistryCredential? credential) =>
        credential is null ? client : client.WithCredentials(_ => credential);

    private RegistryClient Client() => _client ?? throw new InvalidOperationException("this cache was made without a registry client");

    /// <summary>A secret-free identity of a credential: cached answers are kept apart per credential without holding the secret in the key.</summary>
    private static string Identity(RegistryCredential? credential) =>
        credential is null || credential.IsEmpty
            ? "anonymous"
            : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', credential.Username, credential.Password, credential.IdentityToken, credential.RegistryToken))))[..32];
}
