using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Longshore.Bench;

/// <summary>
/// A loopback TCP relay in front of a registry that counts the HTTP requests passing through it by method and path
/// kind (manifests, tags, blobs). The operator's requests carry no bodies (HEAD and GET), so request lines are read
/// straight off the client's stream.
/// </summary>
public sealed class CountingRegistryProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly Task _accepting;

    public CountingRegistryProxy(string upstream)
    {
        var colon = upstream.LastIndexOf(':');
        _upstreamHost = upstream[..colon];
        _upstreamPort = int.Parse(upstream[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Host = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>host:port to name in image references instead of the registry's.</summary>
    public string Host { get; }

    /// <summary>Requests so far by "METHOD kind" (e.g. "HEAD manifests", "GET tags").</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                var toUpstream = CopyCountingAsync(down, up);
                var toClient = up.CopyToAsync(down, _stop.Token);
                await Task.WhenAny(toUpstream, toClient);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task CopyCountingAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        var line = new StringBuilder();
        var atLineStart = true;
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = (char)buffer[i];
                if (c == '\n')
                {
                    Count(line.ToString());
                    line.Clear();
                    atLineStart = true;
                }
                else if (atLineStart && line.Length < 512 && c != '\r')
                {
                    line.Append(c);
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private void Count(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/", StringComparison.Ordinal) || !parts[1].StartsWith("/v2/", StringComparison.Ordinal))
        {
            return;
        }

        var kind = parts[1].Contains("/manifests/", StringComparison.Ordinal) ? "manifests"
            : parts[1].Contains("/tags/list", StringComparison.Ordinal) ? "tags"
            : parts[1].Contains("/blobs/", StringComparison.Ordinal) ? "blobs"
            : "other";
        _counts.AddOrUpdate($"{parts[0]} {kind}", 1, (_, n) => n + 1);
    }
}
