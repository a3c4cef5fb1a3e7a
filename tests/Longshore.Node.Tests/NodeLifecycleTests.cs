using Longshore.TestBed;
using Xunit.Abstractions;

namespace Longshore.Node.Tests;

/// <summary>Nodes run side by side and leave nothing on the host: no process, mount, cgroup folder, link or sysctl change.</summary>
public sealed class NodeLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_nodes_side_by_side_started_and_stopped_twice_leave_the_host_as_it_was()
    {
        var before = await HostState.CaptureAsync();
        var names = new List<string>();
        for (var round = 1; round <= 2; round++)
        {
            var starting = new[] { KubeNode.StartAsync(), KubeNode.StartAsync() };
            KubeNode[] nodes;
            try
            {
                nodes = await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
                {
                    await (await started).DisposeAsync();
                }

                throw;
            }

            try
            {
                nodes.Select(n => n.Name).Should().OnlyHaveUniqueItems();
                nodes.Select(n => n.Namespace.PodSubnet).Should().OnlyHaveUniqueItems();
                nodes.Select(n => n.Namespace.Address).Should().OnlyHaveUniqueItems();
                foreach (var node in nodes)
                {
                    names.Add(node.Name);
                    // A running Pod exercises what must be cleaned up: containers, their cgroups, the CNI bridge and Pod netns.
                    var (_, reference) = await Workloads.PublishAppAsync(node, "life/app:1", node.Name);
                    await Workloads.CreateNamespaceAsync(node, "life");
                    await Workloads.ApplyAsync(node, Workloads.Deployment("life", "life", reference, replicas: 1));
                }

                foreach (var node in nodes)
                {
                    await Workloads.WaitRunningAsync(node, "life", "app=life", 1);
                    var during = await HostState.CaptureAsync();
                    during.CgroupFolders.Should().Contain(f => f.EndsWith("/memory/" + node.Name, StringComparison.Ordinal));
                    during.Links.Should().Contain(node.Namespace.HostLink);
                    output.WriteLine($"round {round}: {node.Name} at {node.Namespace.Address} Ready after {node.StartupTime.TotalSeconds:F1} s; resident memory with one Pod {node.ResidentBytes() / (1024 * 1024)} MiB");
                }

                // The kernel settings kubelet wrote stayed inside the node.
                (await File.ReadAllTextAsync(Path.Combine(nodes[0].Namespace.ShadowFolder, "sysctl", "vm.overcommit_memory"))).Trim().Should().Be("1", "kubelet wrote its setting into the node's shadow file");
            }
            finally
            {
                await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
            }

            foreach (var node in nodes)
            {
                output.WriteLine($"round {round}: {node.Name} stopped in {node.StopTime.TotalSeconds:F1} s");
            }
        }

        var after = await HostState.CaptureAsync();
        after.Differences(before).Should().BeEmpty();
        after.CgroupFolders.Should().NotContain(f => names.Any(n => f.EndsWith("/" + n, StringComparison.Ordinal)));
    }
}
