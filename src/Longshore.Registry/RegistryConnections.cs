using System.Net;

namespace Longshore.Registry;

/// <summary>
/// The process's one connection pool to registries. Clients share it, so creating a client (or a view with other
/// credentials) never opens new connections or leaks sockets; redirects and decompression are the pipeline's concern.
/// </summary>
internal static class RegistryConnections
{
    private static readonly Lazy<SocketsHttpHandler> Pool = new(() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        // DNS changes (a registry moving) are seen within this time.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(30),
        MaxResponseDrainSize = 64 * 1024,
        ResponseDrainTimeout = TimeSpan.FromSeconds(1),
    });

    public static HttpMessageHandler Shared => Pool.Value;
}
