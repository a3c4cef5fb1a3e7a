using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>How a <see cref="RegistryClient"/> reaches registries: plain-HTTP hosts, credentials, timeouts, retries and size caps.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Hosts (with port when given) that may be reached over plain HTTP. Loopback hosts always may.</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>Credentials for a registry host (as in <see cref="ImageReference.Domain"/>); null for anonymous.</summary>
    public Func<string, RegistryCredential?> Credentials { get; init; } = _ => null;

    /// <summary>Time one attempt may take until the response headers arrive (connect included).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time a body read may wait without receiving a single byte.</summary>
    public TimeSpan BodyIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Slowest transfer accepted, in bytes per second, measured over <see cref="TransferRateWindow"/> of waiting for
    /// data: a body that trickles in slower fails instead of holding its caller for hours. 0 turns the check off.
    /// </summary>
    public long MinimumTransferRate { get; init; } = 1024;

    public TimeSpan TransferRateWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt on connection errors, timeouts, 5xx and 429.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between attempts; a larger <c>Retry-After</c> is cut to it.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A registry host whose requests fail this often (ratio of transient failures) over at least
    /// <see cref="CircuitBreakerMinimumRequests"/> requests in 30 s is not asked again for <see cref="CircuitBreakDuration"/>.
    /// </summary>
    public double CircuitBreakerFailureRatio { get; init; } = 0.5;

    public int CircuitBreakerMinimumRequests { get; init; } = 20;

    public TimeSpan CircuitBreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest manifest or index accepted (the distribution spec's recommended limit is 4 MiB).</summary>
    public int MaxManifestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest blob held in memory (image configs read with <see cref="RegistryClient.GetBlobAsync"/>).</summary>
    public long MaxBufferedBlobBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Largest token-service answer accepted.</summary>
    public int MaxTokenResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest tag-list page accepted.</summary>
    public int MaxTagPageBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How much of an error answer's body is read for its message; the rest is discarded with the connection.</summary>
    public int MaxErrorBodyBytes { get; init; } = 64 * 1024;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public string UserAgent { get; init; } = "longshore/0.1";

    /// <summary>The first option that cannot work, named, or null when all can.</summary>
    public string? Problem() =>
        RequestTimeout <= TimeSpan.Zero ? $"{nameof(RequestTimeout)} must be positive"
        : BodyIdleTimeout <= TimeSpan.Zero ? $"{nameof(BodyIdleTimeout)} must be positive"
        : TransferRateWindow <= TimeSpan.Zero ? $"{nameof(TransferRateWindow)} must be positive"
        : MinimumTransferRate < 0 ? $"{nameof(MinimumTransferRate)} must not be negative"
        : MaxRetries < 0 ? $"{nameof(MaxRetries)} must not be negative"
        : CircuitBreakerFailureRatio is <= 0 or > 1 ? $"{nameof(CircuitBreakerFailureRatio)} must be in (0, 1]"
        : CircuitBreakerMinimumRequests < 2 ? $"{nameof(CircuitBreakerMinimumRequests)} must be at least 2"
        : CircuitBreakDuration < TimeSpan.FromMilliseconds(500) ? $"{nameof(CircuitBreakDuration)} must be at least 0.5 s"
        : null;
}
