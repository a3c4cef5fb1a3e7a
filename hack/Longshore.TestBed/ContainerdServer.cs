using System.Text;

namespace Longshore.TestBed;

/// <summary>
/// A real containerd (Debian package) with its CRI plugin, the <c>native</c> snapshotter, a temporary root and socket,
/// and plain-HTTP mirror entries for test registries on loopback. Must run as root.
/// </summary>
public sealed class ContainerdServer : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly ServiceProcess _process;

    private ContainerdServer(TempDirectory directory, ServiceProcess process)
    {
        _directory = directory;
        _process = process;
        SocketPath = directory.Combine("containerd.sock");
    }

    public string SocketPath { get; }

    public static async Task<ContainerdServer> StartAsync(IEnumerable<string> plainHttpRegistries, CancellationToken cancellationToken = default)
    {
        var executable = ComponentLocator.Require("containerd", "containerd");
        var directory = TempDirectory.Create("lsctrd");
        var config = new StringBuilder()
            .AppendLine("version = 2")
            .AppendLine($"root = \"{directory.Combine("root")}\"")
            .AppendLine($"state = \"{directory.Combine("state")}\"")
            .AppendLine("[grpc]")
            .AppendLine($"  address = \"{directory.Combine("containerd.sock")}\"")
            .AppendLine("[ttrpc]")
            .AppendLine($"  address = \"{directory.Combine("containerd.sock.ttrpc")}\"")
            .AppendLine("[plugins.\"io.containerd.grpc.v1.cri\"]")
            .AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\".containerd]")
            .AppendLine("    snapshotter = \"native\"");
        foreach (var host in plainHttpRegistries)
        {
            config.AppendLine($"  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"{host}\"]")
                .AppendLine($"    endpoint = [\"http://{host}\"]");
        }

        var configPath = directory.Combine("config.toml");
        await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken);
        var process = ServiceProcess.Start(executable, ["--config", configPath, "--log-level", "warn"]);
        var server = new ContainerdServer(directory, process);
        try
        {
            var ctr = ComponentLocator.Require("ctr", "containerd");
            await process.WaitUntilAsync(
                async ct => File.Exists(server.SocketPath) && (await ProcessRunner.RunAsync(ctr, ["-a", server.SocketPath, "version"], cancellationToken: ct)).ExitCode == 0,
                TimeSpan.FromSeconds(30),
                cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>ctr</c> against this containerd in namespace k8s.io (where CRI keeps images).</summary>
    public Task<ProcessResult> CtrAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(ComponentLocator.Require("ctr", "containerd"), ["-a", SocketPath, "-n", "k8s.io", .. arguments], timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        // The native snapshotter leaves plain folders; root may hold read-only files, so remove best effort.
        _directory.Dispose();
    }
}
