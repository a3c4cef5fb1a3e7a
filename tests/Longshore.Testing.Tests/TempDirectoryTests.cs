using Longshore.TestBed;
using System.Net;
using System.Net.Sockets;

namespace Longshore.Testing.Tests;

public sealed class TempDirectoryTests
{
    [Fact]
    public void Dispose_removes_the_folder_and_its_content()
    {
        var directory = TempDirectory.Create("longshore-temp");
        Directory.CreateDirectory(directory.Combine("a", "b"));
        File.WriteAllText(directory.Combine("a", "b", "c.txt"), "x");
        Path.GetFileName(directory.Path).Should().StartWith("longshore-temp-");
        directory.Dispose();
        Directory.Exists(directory.Path).Should().BeFalse();
    }

    [Fact]
    public void Free_port_can_be_bound_on_loopback()
    {
        var port = FreePort.Next();
        port.Should().BeInRange(1, 65535);
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        ((IPEndPoint)listener.LocalEndpoint).Port.Should().Be(port);
    }
}
