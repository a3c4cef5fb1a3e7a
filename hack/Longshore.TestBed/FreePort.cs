using System.Net;
using System.Net.Sockets;

namespace Longshore.TestBed;

/// <summary>
/// Free TCP ports, so components started by tests can run side by side, test processes included. A port asked of the
/// kernel (bind to 0) comes from the ephemeral range, where any outgoing connection may take it between the pick and
/// the component's own bind; these come from just below that range instead, and each is claimed machine-wide by a
/// lock file this process holds until it exits, so that two test processes never hand out the same port.
/// </summary>
public static class FreePort
{
    private const int First = 20000;

    private static readonly Lock Gate = new();
    private static readonly List<FileStream> Claims = [];
    private static readonly string ClaimFolder = Path.Combine(Path.GetTempPath(), "longshore-ports");
    private static readonly int End = EphemeralRangeStart();
    private static int _cursor = -1;

    public static int Next()
    {
        if (End - First < 1000)
        {
            return KernelPick();
        }

        lock (Gate)
        {
            Directory.CreateDirectory(ClaimFolder);
            var count = End - First;
            if (_cursor < 0)
            {
                _cursor = Random.Shared.Next(count);
            }

            for (var i = 0; i < count; i++)
            {
                var port = First + (_cursor++ % count);
                if (TryClaim(port) is { } claim)
                {
                    if (IsFree(port))
                    {
                        Claims.Add(claim);
                        return port;
                    }

                    claim.Dispose();
                }
            }
        }

        throw new InvalidOperationException($"no free TCP port in {First}..{End - 1}");
    }

    /// <summary>An exclusive lock on the port's claim file (flock, released when the process exits), or null when taken.</summary>
    private static FileStream? TryClaim(int port)
    {
        try
        {
            return new FileStream(Path.Combine(ClaimFolder, port.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelPick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range), 32768 when unreadable.</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return Math.Min(int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), 32768);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
