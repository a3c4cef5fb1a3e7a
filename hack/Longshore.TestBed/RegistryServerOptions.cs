namespace Longshore.TestBed;

/// <summary>How to start a <see cref="RegistryServer"/>: with both set, it requires htpasswd Basic auth.</summary>
public sealed record RegistryServerOptions
{
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>The address to listen on (loopback unless a node's network namespace provides another).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>Runs the registry through this command, e.g. <c>nsenter</c> into a <see cref="NodeNamespace"/>.</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}
