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
            timeProvider)
    {
    }

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
    }

    public TimeSpan Ttl { get; }

    public async Task<ResolvedDigest> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var (descriptor, at, stale) = await _digests.GetAsync(reference.ToString(), ct => _resolve(reference, ct), cancellationToken);
        return new ResolvedDigest(reference, descriptor, at, stale);
    }

    /// <summary>The reference resolved for <paramref name="platform"/> with <paramref name="credential"/> (null: anonymous).</summary>
    public async Task<ResolvedPlatform> ResolvePlatformAsync(ImageReference reference, Platform platform, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        var resolvePlatform = _resolvePlatform ?? throw new InvalidOperationException("this cache was made without a platform resolver");
        var key = $"{reference}|{platform}|{Identity(credential)}";
        var (image, at, stale) = await _platforms.GetAsync(key, ct => resolvePlatform(reference, platform, credential, ct), cancellationToken);
        return new ResolvedPlatform(image, at, stale);
    }

    /// <summary>Forgets a reference so the next call asks the registry.</summary>
    public void Invalidate(ImageReference reference) => _digests.Invalidate(reference.ToString());

    /// <summary>True when the registry could not answer (unreachable, timed out, throttling, 5xx) rather than refused.</summary>
    public static bool IsOutage(RegistryException error) =>
        error is not DigestMismatchException
        && error.ErrorCode is null
        && (error.StatusCode is null or HttpStatusCode.TooManyRequests || (int)error.StatusCode >= 500);

    /// <summary>A secret-free identity of a credential: cached answers are kept apart per credential without holding the secret in the key.</summary>
    private static string Identity(RegistryCredential? credential) =>
        credential is null || credential.IsEmpty
            ? "anonymous"
            : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', credential.Username, credential.Password, credential.IdentityToken, credential.RegistryToken))))[..32];
}
