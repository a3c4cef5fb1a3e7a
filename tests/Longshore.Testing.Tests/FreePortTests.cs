using System.Net;
using System.Net.Sockets;
using Longshore.TestBed;

namespace Longshore.Testing.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void Ports_are_distinct_bindable_below_the_ephemeral_range_and_claimed_against_other_processes()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        ports.Should().OnlyHaveUniqueItems().And.OnlyContain(p => p >= 20000 && p < ephemeralStart);
        foreach (var port in ports.Take(20))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();

            // Another process opening the claim file exclusively (flock) is refused while this one lives.
            var claim = Path.Combine(Path.GetTempPath(), "longshore-ports", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var open = () => new FileStream(claim, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            open.Should().Throw<IOException>();
        }
    }
}
