using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Longshore.TestBed;

/// <summary>
/// A small HTTP/1.1 proxy on loopback in front of a registry that injects faults: stalls, slow bodies, resets, error
/// and throttling storms, huge bodies, plain-http redirects. One request per connection (it answers
/// <c>Connection: close</c>), which keeps the byte stream simple to tamper with. Optionally serves TLS.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int MaxHead = 64 * 1024;
    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _seen = new();
    private readonly Task _accepting;
    private ProxyFault? _fault;
    private int _remaining;
    private int _faulted;
    private long _bodyBytes;

    private FaultProxy(Uri upstream, X509Certificate2? certificate)
    {
        _upstream = upstream;
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:PORT", as it appears in image references.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Every request seen, as "METHOD path".</summary>
    public IReadOnlyCollection<string> Seen => _seen.ToArray();

    /// <summary>Bytes of response bodies passed on from the registry (what a client downloaded through the proxy).</summary>
    public long BodyBytesForwarded => Interlocked.Read(ref _bodyBytes);

    /// <summary>How many requests got the fault.</summary>
    public int Faulted => Volatile.Read(ref _faulted);

    /// <summary>Starts a proxy to <paramref name="upstream"/> (a plain-http registry); with a certificate it serves TLS.</summary>
    public static FaultProxy Start(Uri upstream, X509Certificate2? certificate = null) => new(upstream, certificate);

    /// <summary>A self-signed server certificate for <paramref name="host"/>, for TLS tests that trust it explicitly.</summary>
    public static X509Certificate2 SelfSignedCertificate(string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A reference through this proxy: <c>127.0.0.1:PORT/</c> + the argument.</summary>
    public string Reference(string repositoryAndTagOrDigest) => $"{Host}/{repositoryAndTagOrDigest}";

    /// <summary>Injects <paramref name="fault"/> from now on (null: pass everything through).</summary>
    public void Inject(ProxyFault? fault)
    {
        _fault = fault;
        Volatile.Write(ref _remaining, fault?.Times ?? 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var token = _stop.Token;
        Stream client = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_certificate is not null)
            {
                var tls = new SslStream(client, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, token);
                client = tls;
            }

            var (head, leftover) = await ReadHeadAsync(client, token);
            if (head is null)
            {
                return;
            }

            var request = HttpHead.Parse(head);
            _seen.Enqueue($"{request.Method} {request.Path}");
            var body = await ReadBodyAsync(client, leftover, request.ContentLength, token);
            var fault = _fault;
            if (fault is not null && Matches(fault, request) && Interlocked.Decrement(ref _remaining) >= 0)
            {
                Interlocked.Increment(ref _faulted);
                await ApplyAsync(fault, request, body, socket, client, token);
            }
            else
            {
                await ForwardAsync(request, body, client, null, stripAuthorization: fault?.Kind is ProxyFaultKind.HugeTokenResponse or ProxyFaultKind.HttpTokenRealm, token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away or the proxy stops: nothing to report.
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    private static bool Matches(ProxyFault fault, HttpHead request) =>
        (fault.PathContains is null || request.Path.Contains(fault.PathContains, StringComparison.Ordinal))
        && (!fault.RangeOnly || request.Range is not null)
        && (fault.Method is null || request.Method.Equals(fault.Method, StringComparison.OrdinalIgnoreCase));

    private async Task ApplyAsync(ProxyFault fault, HttpHead request, byte[] body, Socket socket, Stream client, CancellationToken token)
    {
        var scheme = _certificate is null ? "http" : "https";
        switch (fault.Kind)
        {
            case ProxyFaultKind.ConnectionReset:
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
                return;
            case ProxyFaultKind.ServerError:
                await WriteAsync(client, "503 Service Unavailable", "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected outage\"}]}", [], token);
                return;
            case ProxyFaultKind.TooManyRequests:
                await WriteAsync(client, "429 Too Many Requests", "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"injected throttling\"}]}", [$"Retry-After: {fault.RetryAfterSeconds}"], token);
                return;
            case ProxyFaultKind.HugeErrorBody:
                await StreamHugeAsync(client, "500 Internal Server Error", "application/json", "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\""u8.ToArray(), (byte)'x', fault.BodyBytes, token);
                return;
            case ProxyFaultKind.HugeTokenResponse when request.Path.StartsWith("/token", StringComparison.Ordinal):
                await StreamHugeAsync(client, "200 OK", "application/json", "{\"token\":\""u8.ToArray(), (byte)'a', fault.BodyBytes, token);
                return;
            case ProxyFaultKind.HugeTokenResponse or ProxyFaultKind.HttpTokenRealm when !request.HasAuthorization:
                var realmScheme = fault.Kind is ProxyFaultKind.HttpTokenRealm ? "http" : scheme;
                await WriteAsync(client, "401 Unauthorized", "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}", [$"WWW-Authenticate: Bearer realm=\"{realmScheme}://{request.HostHeader}/token\",service=\"fault-proxy\""], token);
                return;
            case ProxyFaultKind.RedirectToHttp:
                await WriteAsync(client, "307 Temporary Redirect", string.Empty, [$"Location: http://{request.HostHeader}{request.Path}"], token);
                return;
            case ProxyFaultKind.StallAfterHeaders or ProxyFaultKind.SlowDrip or ProxyFaultKind.CutBody:
                await ForwardAsync(request, body, client, fault, stripAuthorization: false, token);
                return;
            case ProxyFaultKind.IgnoreRange:
                await ForwardAsync(request.WithHeader("Range", null), body, client, null, stripAuthorization: false, token);
                return;
            case ProxyFaultKind.ShiftRange:
                await ForwardAsync(request.WithHeader("Range", "bytes=0-"), body, client, null, stripAuthorization: false, token);
                return;
            case ProxyFaultKind.RangeNotSatisfiable:
                await WriteAsync(client, "416 Range Not Satisfiable", string.Empty, [], token);
                return;
            default:
                await ForwardAsync(request, body, client, null, stripAuthorization: true, token);
                return;
        }
    }

    /// <summary>Passes the request to the registry and its answer back; a stall or drip <paramref name="tamper"/> holds back the body.</summary>
    private async Task ForwardAsync(HttpHead request, byte[] body, Stream client, ProxyFault? tamper, bool stripAuthorization, CancellationToken token)
    {
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, token);
        await using var server = upstream.GetStream();
        await server.WriteAsync(request.Rewrite(stripAuthorization), token);
        await server.WriteAsync(body, token);
        var (responseHead, leftover) = await ReadHeadAsync(server, token);
        if (responseHead is null)
        {
            return;
        }

        await client.WriteAsync(HttpHead.CloseConnection(responseHead), token);
        await client.FlushAsync(token);
        if (tamper?.Kind is ProxyFaultKind.StallAfterHeaders)
        {
            // Holds the connection open with nothing more to say, until the client gives up or the proxy stops.
            await client.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, token);
            return;
        }

        if (tamper?.Kind is ProxyFaultKind.SlowDrip)
        {
            var rate = Math.Max(1, tamper.BytesPerSecond);
            var slice = Math.Max(1, rate / 10);
            var pending = new Queue<byte>(leftover);
            var chunk = new byte[4096];
            while (true)
            {
                if (pending.Count == 0)
                {
                    var read = await server.ReadAsync(chunk, token);
                    if (read == 0)
                    {
                        return;
                    }

                    foreach (var b in chunk.AsSpan(0, read))
                    {
                        pending.Enqueue(b);
                    }
                }

                var piece = new byte[Math.Min(slice, pending.Count)];
                for (var i = 0; i < piece.Length; i++)
                {
                    piece[i] = pending.Dequeue();
                }

                await client.WriteAsync(piece, token);
                await client.FlushAsync(token);
                await Task.Delay(TimeSpan.FromMilliseconds(1000.0 * piece.Length / rate), token);
            }
        }

        // Counts what reaches the client; a cut passes on only its share of the body and closes the connection.
        var allowed = tamper?.Kind is ProxyFaultKind.CutBody ? tamper.BodyBytes : long.MaxValue;
        var first = (int)Math.Min(leftover.Length, allowed);
        await client.WriteAsync(leftover.AsMemory(0, first), token);
        Interlocked.Add(ref _bodyBytes, first);
        allowed -= first;
        var buffer = new byte[64 * 1024];
        while (allowed > 0)
        {
            var read = await server.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, allowed)), token);
            if (read == 0)
            {
                break;
            }

            await client.WriteAsync(buffer.AsMemory(0, read), token);
            Interlocked.Add(ref _bodyBytes, read);
            allowed -= read;
        }

        await client.FlushAsync(token);
    }

    private static async Task WriteAsync(Stream client, string status, string body, IReadOnlyList<string> headers, CancellationToken token)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        await client.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), token);
        await client.WriteAsync(bytes, token);
        await client.FlushAsync(token);
    }

    /// <summary>Sends a body of <paramref name="length"/> bytes made on the fly, so the proxy itself holds only one buffer.</summary>
    private static async Task StreamHugeAsync(Stream client, string status, string contentType, byte[] prefix, byte filler, long length, CancellationToken token)
    {
        await client.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"), token);
        await client.WriteAsync(prefix, token);
        var buffer = new byte[64 * 1024];
        Array.Fill(buffer, filler);
        var left = length - prefix.Length;
        while (left > 0)
        {
            var n = (int)Math.Min(buffer.Length, left);
            await client.WriteAsync(buffer.AsMemory(0, n), token);
            left -= n;
        }

        await client.FlushAsync(token);
    }

    private static async Task<(byte[]? Head, byte[] Leftover)> ReadHeadAsync(Stream stream, CancellationToken token)
    {
        var buffer = new byte[MaxHead];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), token);
            if (read == 0)
            {
                return (null, []);
            }

            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (buffer[..(end + 4)], buffer[(end + 4)..filled]);
            }
        }

        return (null, []);
    }

    private static async Task<byte[]> ReadBodyAsync(Stream stream, byte[] leftover, long length, CancellationToken token)
    {
        if (length <= leftover.Length)
        {
            return leftover[..(int)Math.Max(0, length)];
        }

        var body = new byte[length];
        leftover.CopyTo(body, 0);
        var filled = leftover.Length;
        while (filled < length)
        {
            var read = await stream.ReadAsync(body.AsMemory(filled), token);
            if (read == 0)
            {
                throw new IOException("client closed the connection mid-request");
            }

            filled += read;
        }

        return body;
    }
}
