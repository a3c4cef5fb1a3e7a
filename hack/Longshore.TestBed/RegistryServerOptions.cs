namespace Longshore.TestBed;

/// <summary>How to start a <see cref="RegistryServer"/>: with both set, it requires htpasswd Basic auth.</summary>
public sealed record RegistryServerOptions
{
    public string? Username { get; init; }

    public string? Password { get; init; }
}
