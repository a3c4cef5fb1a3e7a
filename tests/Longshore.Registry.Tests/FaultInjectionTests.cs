using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;
using Xunit.Abstractions;

namespace Longshore.Registry.Tests;

/// <summary>
/// The client against a real registry behind a fault-injecting proxy: every fault ends in a one-line error or a
/// successful retry within the configured time, with bounded memory.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultInjectionTests(RegistryFixture registry, ITestOutputHelper output)
{
    private const long MemoryBound = 64L * 1024 * 1024;

    private static readonly RegistryClientOptions Short = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(2),
        BodyIdleTimeout = TimeSpan.FromSeconds(2),
        TransferRateWindow = TimeSpan.FromSeconds(2),
        MinimumTransferRate = 1024,
        MaxRetries = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RetryMaxDelay = TimeSpan.FromSeconds(2),
    };

    // Slack for a loaded two-core machine on top of what the options allow.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Stall_after_manifest_headers_ends_in_an_error_after_the_idle_timeout()
    {
        var (_, reference) = await PublishAsync("stall");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.StallAfterHeaders) { PathContains = "/manifests/", Method = "GET" });
        using var client = new RegistryClient(Short);

        var outcome = await MeasureAsync("stall after manifest headers", () => client.ResolvePlatformAsync(Through(proxy, reference), Platform.Parse("linux/amd64")));

        outcome.Error.Should().BeOfType<RegistryException>().Which.Message.Should().Contain("no data for 2 s").And.Contain(proxy.Host);
        outcome.Elapsed.Should().BeGreaterThanOrEqualTo(Short.BodyIdleTimeout - TimeSpan.FromMilliseconds(100)).And.BeLessThan(Short.BodyIdleTimeout + Slack);
    }

    [Fact]
    public async Task Blob_dripping_at_10_bytes_per_second_fails_after_each_attempts_rate_window()
    {
        var (image, reference) = await PublishAsync("drip");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.SlowDrip) { PathContains = "/blobs/", Method = "GET", BytesPerSecond = 10 });
        using var client = new RegistryClient(Short);

        var outcome = await MeasureAsync("blob dripping at 10 B/s", () => client.DownloadBlobAsync(Through(proxy, reference), image.Layers[0].Descriptor, new MemoryStream()));

        outcome.Error.Should().BeOfType<RegistryException>().Which.Message.Should().Contain("below the minimum of 1024 bytes/s");
        // Each attempt gets one rate window; the download is started again MaxRetries times.
        var attempts = Short.MaxRetries + 1;
        outcome.Elapsed.Should().BeLessThan((attempts * Short.TransferRateWindow) + (attempts * Short.RetryMaxDelay) + Slack);
        proxy.Faulted.Should().Be(attempts);
        outcome.Allocated.Should().BeLessThan(MemoryBound);
    }

    [Fact]
    public async Task A_blob_that_stalls_once_is_downloaded_again_and_verified()
    {
        var (image, reference) = await PublishAsync("stall-once");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.StallAfterHeaders) { PathContains = "/blobs/", Method = "GET", Times = 1 });
        using var client = new RegistryClient(Short);
        using var destination = new MemoryStream();

        var outcome = await MeasureAsync("blob stalls once, then retried", () => client.DownloadBlobAsync(Through(proxy, reference), image.Layers[0].Descriptor, destination));

        outcome.Error.Should().BeNull();
        destination.ToArray().Should().Equal(image.Layers[0].Content);
        outcome.Elapsed.Should().BeLessThan(Short.BodyIdleTimeout + Short.RetryMaxDelay + Slack);
    }

    [Fact]
    public async Task Connection_resets_are_retried_and_a_lasting_one_is_a_clear_error()
    {
        var (_, reference) = await PublishAsync("reset");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var client = new RegistryClient(Short);

        proxy.Inject(new ProxyFault(ProxyFaultKind.ConnectionReset) { PathContains = "/manifests/", Times = 2 });
        var retried = await MeasureAsync("two connection resets, then retried", () => client.GetManifestAsync(Through(proxy, reference)));
        retried.Error.Should().BeNull();
        proxy.Faulted.Should().Be(2);

        proxy.Inject(new ProxyFault(ProxyFaultKind.ConnectionReset) { PathContains = "/manifests/" });
        var lasting = await MeasureAsync("connection resets on every attempt", () => client.GetManifestAsync(Through(proxy, reference)));
        lasting.Error.Should().BeOfType<RegistryException>().Which.Message.Should().StartWith($"cannot reach registry {proxy.Host}");
        lasting.Elapsed.Should().BeLessThan((Short.MaxRetries * Short.RetryMaxDelay) + Slack);
    }

    [Fact]
    public async Task A_5xx_storm_is_retried_through_and_a_lasting_one_is_a_clear_error()
    {
        var (_, reference) = await PublishAsync("storm");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var client = new RegistryClient(Short);

        proxy.Inject(new ProxyFault(ProxyFaultKind.ServerError) { PathContains = "/manifests/", Times = 2 });
        (await MeasureAsync("two 503s, then retried", () => client.GetManifestAsync(Through(proxy, reference)))).Error.Should().BeNull();

        proxy.Inject(new ProxyFault(ProxyFaultKind.ServerError) { PathContains = "/manifests/" });
        var lasting = await MeasureAsync("503 on every attempt", () => client.GetManifestAsync(Through(proxy, reference)));
        var error = lasting.Error.Should().BeOfType<RegistryException>().Which;
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        error.Message.Should().Contain("failed with 503: injected outage");
        lasting.Elapsed.Should().BeLessThan((Short.MaxRetries * Short.RetryMaxDelay) + Slack);
    }

    [Fact]
    public async Task A_429_storm_honours_retry_after()
    {
        var (_, reference) = await PublishAsync("throttle");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var client = new RegistryClient(Short);

        proxy.Inject(new ProxyFault(ProxyFaultKind.TooManyRequests) { PathContains = "/manifests/", Times = 1, RetryAfterSeconds = 1 });
        var retried = await MeasureAsync("one 429 with Retry-After: 1, then retried", () => client.GetManifestAsync(Through(proxy, reference)));
        retried.Error.Should().BeNull();
        // The back-off alone would have waited about 50 ms; the server asked for a second.
        retried.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950));

        proxy.Inject(new ProxyFault(ProxyFaultKind.TooManyRequests) { PathContains = "/manifests/", RetryAfterSeconds = 1 });
        var lasting = await MeasureAsync("429 on every attempt", () => client.GetManifestAsync(Through(proxy, reference)));
        lasting.Error.Should().BeOfType<RegistryException>().Which.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        lasting.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(Short.MaxRetries * 0.95)).And.BeLessThan(TimeSpan.FromSeconds(Short.MaxRetries) + Slack);
    }

    [Fact]
    public async Task A_500_with_a_1_GB_body_is_a_one_line_error_in_bounded_memory()
    {
        var (_, reference) = await PublishAsync("huge-error");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.HugeErrorBody) { PathContains = "/manifests/" });
        using var client = new RegistryClient(Short);

        var outcome = await MeasureAsync("500 with a 1 GiB body", () => client.GetManifestAsync(Through(proxy, reference)));

        var error = outcome.Error.Should().BeOfType<RegistryException>().Which;
        error.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        error.Message.Should().NotContain("\n").And.Contain("failed with 500");
        outcome.Allocated.Should().BeLessThan(MemoryBound);
        outcome.Elapsed.Should().BeLessThan((Short.MaxRetries * Short.RetryMaxDelay) + Slack);
    }

    [Fact]
    public async Task A_1_GB_token_response_is_refused_in_bounded_memory()
    {
        var (_, reference) = await PublishAsync("huge-token");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.HugeTokenResponse));
        using var client = new RegistryClient(Short);

        var outcome = await MeasureAsync("1 GiB token response", () => client.GetManifestAsync(Through(proxy, reference)));

        outcome.Error.Should().BeOfType<RegistryException>().Which.Message.Should().Contain("token service").And.Contain($"larger than {Short.MaxTokenResponseBytes} bytes");
        outcome.Allocated.Should().BeLessThan(MemoryBound);
        outcome.Elapsed.Should().BeLessThan(Slack);
        proxy.Seen.Should().Contain(s => s.StartsWith("GET /token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_https_registry_cannot_downgrade_to_http_by_redirect_or_token_realm()
    {
        var (image, reference) = await PublishAsync("tls");
        using var certificate = FaultProxy.SelfSignedCertificate("registry.test");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress, certificate);
        using var transport = LoopbackTls(proxy.Port, certificate);
        using var client = new RegistryClient(Short, transport);
        // A name that is not loopback, so the client insists on https; the transport connects it to the proxy.
        var secure = ImageReference.Parse($"registry.test:{proxy.Port}/{reference.Path}:{reference.Tag}");

        (await client.ResolveAsync(secure)).Digest.Should().Be(image.ManifestDigest);

        proxy.Inject(new ProxyFault(ProxyFaultKind.RedirectToHttp) { PathContains = "/manifests/" });
        var redirected = await MeasureAsync("https registry redirects to http", () => client.GetManifestAsync(secure));
        redirected.Error.Should().BeOfType<RegistryException>().Which.Message.Should().Contain("redirected an https request to plain http");
        proxy.Seen.Should().OnlyContain(s => s.Contains("/manifests/", StringComparison.Ordinal));

        proxy.Inject(new ProxyFault(ProxyFaultKind.HttpTokenRealm));
        var realm = await MeasureAsync("https registry offers an http token realm", () => client.GetManifestAsync(secure));
        realm.Error.Should().BeOfType<RegistryException>().Which.Message.Should().Contain("token service over plain http").And.Contain("refused");
        proxy.Seen.Should().NotContain(s => s.Contains("/token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_registry_opens_its_circuit_and_is_not_asked_again()
    {
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.ServerError));
        using var client = new RegistryClient(Short with { MaxRetries = 0, CircuitBreakerMinimumRequests = 4, CircuitBreakDuration = TimeSpan.FromSeconds(30) });

        RegistryException? open = null;
        for (var i = 0; i < 10 && open is null; i++)
        {
            var error = (await MeasureAsync($"ping {i} of a failing registry", () => client.PingAsync(proxy.Host))).Error.Should().BeOfType<RegistryException>().Subject;
            open = error.Message.Contains("failing repeatedly", StringComparison.Ordinal) ? error : null;
        }

        open.Should().NotBeNull();
        var asked = proxy.Seen.Count;
        var again = await MeasureAsync("ping with the circuit open", () => client.PingAsync(proxy.Host));
        again.Error!.Message.Should().Contain("failing repeatedly");
        again.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        proxy.Seen.Count.Should().Be(asked);
    }

    private static ImageReference Through(FaultProxy proxy, ImageReference reference) =>
        ImageReference.Parse(proxy.Reference($"{reference.Path}:{reference.Tag}"));

    private static SocketsHttpHandler LoopbackTls(int port, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) => new()
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString() },
    };

    private async Task<(BuiltImage Image, ImageReference Reference)> PublishAsync(string name)
    {
        var image = new TestImageBuilder().WithRandomLayer(96 * 1024, name.Length).WithFile("name", name).Build();
        await Skopeo.PublishAsync(image, registry.Server, $"faults/{name}:1");
        return (image, ImageReference.Parse(registry.Server.Reference($"faults/{name}:1")));
    }

    private async Task<Outcome> MeasureAsync(string fault, Func<Task> act)
    {
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            await act();
        }
        catch (Exception e)
        {
            error = e;
        }

        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"FAULT {fault}: {(error is null ? "succeeded" : "error")} after {clock.Elapsed.TotalSeconds:0.00} s, allocated {allocated / 1024.0 / 1024.0:0.0} MiB{(error is null ? string.Empty : ": " + error.Message)}");
        return new Outcome(clock.Elapsed, allocated, error);
    }

    private sealed record Outcome(TimeSpan Elapsed, long Allocated, Exception? Error);
}
