using Longshore.TestBed;

namespace Longshore.Node.Tests;

/// <summary>The namespaces a node runs in: reachable from the host over the veth, host paths and kernel settings shadowed.</summary>
public sealed class NodeNamespaceTests
{
    [Fact]
    public async Task A_registry_inside_answers_at_the_node_address_and_writes_inside_stay_inside()
    {
        var before = await HostState.CaptureAsync();
        using var work = TempDirectory.Create("longshore-node-ns");
        var space = await NodeNamespace.CreateAsync(work.Path);
        try
        {
            await using (var registry = await RegistryServer.StartAsync(new RegistryServerOptions { ListenAddress = space.Address, CommandPrefix = space.CommandPrefix }))
            {
                using var http = registry.CreateHttpClient();
                (await http.GetAsync(new Uri("v2/", UriKind.Relative))).IsSuccessStatusCode.Should().BeTrue();
            }

            var host = (await File.ReadAllTextAsync("/proc/sys/vm/overcommit_memory")).Trim();
            var flipped = host == "1" ? "0" : "1";
            (await space.RunAsync("/bin/sh", ["-c", $"echo {flipped} > /proc/sys/vm/overcommit_memory && mkdir -p /var/log/pods /var/lib/kubelet && ip link add inner type bridge"])).EnsureSuccess();
            (await File.ReadAllTextAsync("/proc/sys/vm/overcommit_memory")).Trim().Should().Be(host);
            (await File.ReadAllTextAsync(Path.Combine(space.ShadowFolder, "sysctl", "vm.overcommit_memory"))).Trim().Should().Be(flipped);
            Directory.Exists(Path.Combine(space.ShadowFolder, "var-log", "pods")).Should().BeTrue();
            Directory.Exists("/sys/class/net/inner").Should().BeFalse("links made inside stay inside");
            Directory.Exists($"/sys/class/net/{space.HostLink}").Should().BeTrue();
        }
        finally
        {
            await space.DisposeAsync();
        }

        (await HostState.CaptureAsync()).Differences(before).Should().BeEmpty();
    }
}
