using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>How a <see cref="RegistryClient"/> reaches registries.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Hosts (with port when given) that may be reached over plain HTTP. Loopback hosts always may.</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>Credentials for a registry host (as in <see cref="ImageReference.Domain"/>); null for anonymous.</summary>
    public Func<string, RegistryCredential?> Credentials { get; init; } = _ => null;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt on connection errors, 5xx and 429.</summary>
    public int MaxRetries { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public string UserAgent { get; init; } = "longshore/0.1";
}
