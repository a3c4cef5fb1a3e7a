using System.Text;

namespace Longshore.TestBed;

/// <summary>
/// A real containerd (Debian package) with its CRI plugin, the <c>native</c> snapshotter, a temporary root and socket,
/// and plain-HTTP mirror entries for test registries on loopback. Must run as root.
/// </summary>
public sealed class ContainerdServer : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private ServiceProcess _process;

    private ContainerdServer(TempDirectory directory, ServiceProcess process)
    {
        _directory = directory;
        _process = process;
        SocketPath = directory.Combine("containerd.sock");
    }

    public string SocketPath { get; }

    private string ConfigPath => _directory.Combine("config.toml");

    public static Task<ContainerdServer> StartAsync(IEnumerable<string> plainHttpRegistries, CancellationToken cancellationToken = default) =>
        StartAsync(plainHttpRegistries, sandboxImage: null, cancellationToken);

    /// <param name="sandboxImage">The CRI plugin's sandbox (pause) image; containerd's default when null.</param>
    public static async Task<ContainerdServer> StartAsync(IEnumerable<string> plainHttpRegistries, string? sandboxImage, CancellationToken cancellationToken = default)
    {
        ComponentLocator.Require("containerd", "containerd");
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
            .AppendLine(sandboxImage is null ? string.Empty : $"  sandbox_image = \"{sandboxImage}\"")
            .AppendLine("  [plugins.\"io.containerd.grpc.v1.cri\".containerd]")
            .AppendLine("    snapshotter = \"native\"");
        foreach (var host in plainHttpRegistries)
        {
            config.AppendLine($"  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"{host}\"]")
                .AppendLine($"    endpoint = [\"http://{host}\"]");
        }

        await File.WriteAllTextAsync(directory.Combine("config.toml"), config.ToString(), cancellationToken);
        var server = new ContainerdServer(directory, Launch(directory.Combine("config.toml")));
        try
        {
            await server.WaitReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops containerd (SIGTERM, as systemd would on a restart); its root, images and socket path stay.</summary>
    public Task StopAsync() => _process.StopAsync();

    /// <summary>Starts containerd again on the same root and socket path after <see cref="StopAsync"/>: a runtime restart as a node sees it.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _process.DisposeAsync();
        _process = Launch(ConfigPath);
        await WaitReadyAsync(cancellationToken);
    }

    private static ServiceProcess Launch(string configPath) =>
        ServiceProcess.Start(ComponentLocator.Require("containerd", "containerd"), ["--config", configPath, "--log-level", "warn"]);

    private Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var ctr = ComponentLocator.Require("ctr", "containerd");
        return _process.WaitUntilAsync(
            async ct => File.Exists(SocketPath) && (await ProcessRunner.RunAsync(ctr, ["-a", SocketPath, "version"], cancellationToken: ct)).ExitCode == 0,
            TimeSpan.FromSeconds(30),
            cancellationToken);
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
