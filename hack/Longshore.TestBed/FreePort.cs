using System.Net;
using System.Net.Sockets;

namespace Longshore.TestBed;

/// <summary>Free loopback TCP ports, so components started by tests can run side by side.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
