namespace Longshore.TestBed;

/// <summary>A real etcd (Debian <c>etcd-server</c>) on random loopback ports with a temporary data folder.</summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _directory;
    private readonly ServiceProcess _process;

    private EtcdServer(TempDirectory directory, ServiceProcess process, Uri clientUrl)
    {
        _directory = directory;
        _process = process;
        ClientUrl = clientUrl;
    }

    public Uri ClientUrl { get; }

    /// <summary>Starts etcd; a start that fails (e.g. a port taken between choosing and binding it) is tried again on new ports.</summary>
    public static Task<EtcdServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync([], "127.0.0.1", cancellationToken);

    /// <summary>Starts etcd on <paramref name="address"/> through <paramref name="commandPrefix"/> (e.g. <c>nsenter</c> into a node's namespaces).</summary>
    public static async Task<EtcdServer> StartAsync(IReadOnlyList<string> commandPrefix, string address, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(commandPrefix, address, cancellationToken);
            }
            catch (Exception e) when (attempt < 3 && e is InvalidOperationException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    private static async Task<EtcdServer> StartOnceAsync(IReadOnlyList<string> commandPrefix, string address, CancellationToken cancellationToken)
    {
        var executable = ComponentLocator.Require("etcd", "etcd-server");
        var directory = TempDirectory.Create("longshore-etcd");
        var client = new Uri($"http://{address}:{FreePort.Next()}");
        var peer = $"http://{address}:{FreePort.Next()}";
        var process = ServiceProcess.Start(executable, [
            "--name", "default",
            "--data-dir", directory.Combine("data"),
            "--listen-client-urls", client.ToString().TrimEnd('/'),
            "--advertise-client-urls", client.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"default={peer}",
            "--log-level", "error",
        ], commandPrefix: commandPrefix);
        var server = new EtcdServer(directory, process, client);
        try
        {
            await process.WaitUntilAsync(async ct => (await Probe.GetAsync(new Uri(client, "health"), ct)).IsSuccessStatusCode, TimeSpan.FromSeconds(30), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _directory.Dispose();
    }
}
