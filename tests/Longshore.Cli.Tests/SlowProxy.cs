using System.Net;
using System.Net.Sockets;

namespace Longshore.Cli.Tests;

/// <summary>
/// A TCP proxy on loopback in front of a registry that passes requests through as they come and answers in small chunks
/// with pauses, so that a pull of a few megabytes lasts seconds: long enough to interrupt it in the middle.
/// </summary>
internal sealed class SlowProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly int _targetPort;
    private readonly int _bytesPerTick;

    public SlowProxy(int targetPort, int bytesPerSecond)
    {
        _targetPort = targetPort;
        _bytesPerTick = Math.Max(1, bytesPerSecond / 20);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>host:port to name images by; loopback, so the CLI speaks plain HTTP to it.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
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
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                var upstream = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var downstream = TrickleAsync(server.GetStream(), client.GetStream());
                await Task.WhenAny(upstream, downstream);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }

    private async Task TrickleAsync(Stream from, Stream to)
    {
        var buffer = new byte[_bytesPerTick];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            await Task.Delay(50, _stop.Token);
        }
    }
}
