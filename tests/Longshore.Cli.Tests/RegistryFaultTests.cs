using System.Diagnostics;
using Longshore.TestBed;
using Longshore.Testing;
using Xunit.Abstractions;

namespace Longshore.Cli.Tests;

/// <summary>
/// <c>longshore image pull</c> and <c>resolve</c> through a fault-injecting proxy in front of a real registry: a
/// registry that stalls, drips or floods ends the command with one line on stderr and exit code 1, in time.
/// </summary>
[Collection(RegistryFaultCollection.Name)]
public sealed class RegistryFaultTests(RegistryFixture registry, ITestOutputHelper output)
{
    private const double Timeout = 2;
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Pull_from_a_registry_that_stalls_after_the_manifest_headers_fails_in_time()
    {
        await PublishAsync("cli/stall:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.StallAfterHeaders) { PathContains = "/manifests/", Method = "GET" });

        var (code, error, elapsed, _) = await RunAsync("stall after manifest headers", "image", "pull", proxy.Reference("cli/stall:1"), "--registry-timeout", "2");

        code.Should().Be(1);
        error.Should().StartWith("Error: ").And.Contain("no data for 2 s");
        error.Trim().Split('\n').Should().HaveCount(1);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(Timeout) + Slack);
    }

    [Fact]
    public async Task Pull_of_a_layer_dripping_at_10_bytes_per_second_fails_in_time()
    {
        await PublishAsync("cli/drip:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.SlowDrip) { PathContains = "/blobs/", Method = "GET", BytesPerSecond = 10 });

        var (code, error, elapsed, _) = await RunAsync("layer dripping at 10 B/s", "image", "pull", proxy.Reference("cli/drip:1"), "--registry-timeout", "2");

        code.Should().Be(1);
        error.Should().Contain("below the minimum of 1024 bytes/s");
        error.Trim().Split('\n').Should().HaveCount(1);
        // The CLI starts a broken download again up to 4 times, each with one 2 s window, plus short back-offs.
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5 * Timeout) + TimeSpan.FromSeconds(4) + Slack);
    }

    [Fact]
    public async Task Resolve_against_a_500_with_a_1_GB_body_is_one_line_in_bounded_memory()
    {
        await PublishAsync("cli/huge:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.HugeErrorBody) { PathContains = "/manifests/" });

        var (code, error, elapsed, allocated) = await RunAsync("500 with a 1 GiB body", "resolve", proxy.Reference("cli/huge:1"), "--registry-timeout", "2");

        code.Should().Be(1);
        error.Should().Contain("failed with 500");
        error.Trim().Split('\n').Should().HaveCount(1);
        allocated.Should().BeLessThan(64L * 1024 * 1024);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Resolve_with_a_1_GB_token_response_is_one_line_in_bounded_memory()
    {
        await PublishAsync("cli/token:1");
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.HugeTokenResponse));

        var (code, error, _, allocated) = await RunAsync("1 GiB token response", "resolve", proxy.Reference("cli/token:1"), "--registry-timeout", "2");

        code.Should().Be(1);
        error.Should().Contain("token service").And.Contain("larger than");
        error.Trim().Split('\n').Should().HaveCount(1);
        allocated.Should().BeLessThan(64L * 1024 * 1024);
    }

    [Fact]
    public async Task A_bad_registry_timeout_is_a_usage_error()
    {
        using var cli = new CliRun();
        var (code, _, error) = await cli.RunAsync("resolve", "127.0.0.1:1/app:1", "--registry-timeout", "soon");
        code.Should().Be(2);
        error.Should().Contain("--registry-timeout: 'soon'");
    }

    private async Task PublishAsync(string repositoryAndTag)
    {
        var image = new TestImageBuilder().WithRandomLayer(64 * 1024, repositoryAndTag.Length).WithFile("f", repositoryAndTag).Build();
        await Skopeo.PublishAsync(image, registry.Server, repositoryAndTag);
    }

    private async Task<(int Code, string Error, TimeSpan Elapsed, long Allocated)> RunAsync(string fault, params string[] args)
    {
        using var cli = new CliRun();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var (code, _, error) = await cli.RunAsync(args);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"FAULT cli {fault}: exit {code} after {clock.Elapsed.TotalSeconds:0.00} s, allocated {allocated / 1024.0 / 1024.0:0.0} MiB: {error.Trim()}");
        return (code, error, clock.Elapsed, allocated);
    }
}
