using System.Net;
using System.Text.RegularExpressions;

namespace Longshore.Registry;

/// <summary>Where a registry host is reached: scheme and API host. Loopback and user-marked insecure hosts use plain HTTP.</summary>
public sealed partial record RegistryEndpoint(string Registry, Uri BaseAddress)
{
    public static RegistryEndpoint For(string registry, IReadOnlyCollection<string> insecureRegistries)
    {
        Validate(registry);
        var apiHost = registry is "docker.io" or "index.docker.io" ? "registry-1.docker.io" : registry;
        var scheme = IsLoopback(registry) || insecureRegistries.Any(h => string.Equals(h.Trim(), registry, StringComparison.OrdinalIgnoreCase) || string.Equals(h.Trim(), HostOnly(registry), StringComparison.OrdinalIgnoreCase))
            ? "http"
            : "https";
        return new RegistryEndpoint(registry, new Uri($"{scheme}://{apiHost}/"));
    }

    /// <summary>Rejects anything that is not a bare <c>host[:port]</c>: paths, user-info, schemes, whitespace.</summary>
    public static void Validate(string registry)
    {
        if (string.IsNullOrEmpty(registry) || !HostPattern().IsMatch(registry))
        {
            throw new ArgumentException($"registry host '{registry}' is not valid: expected host[:port] such as registry.example.com or 127.0.0.1:5000 (no scheme, path or credentials)", nameof(registry));
        }
    }

    public static bool IsLoopback(string registry)
    {
        var host = HostOnly(registry);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static string HostOnly(string registry)
    {
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? registry[..(close + 1)] : registry;
        }

        var colon = registry.LastIndexOf(':');
        return colon > 0 ? registry[..colon] : registry;
    }

    [GeneratedRegex(@"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::[0-9]{1,5})?$")]
    private static partial Regex HostPattern();
}
