using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Registry.Tests;

/// <summary>
/// Blob downloads that continue with <c>Range</c> requests against a real registry behind a fault-injecting proxy: after
/// a cut connection, from a prefix kept by an earlier pull, and starting over when the registry does not serve the range.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ResumeTests(RegistryFixture registry)
{
    private static readonly RegistryClientOptions Quick = new() { MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };

    [Fact]
    public async Task A_connection_cut_halfway_continues_from_where_it_broke()
    {
        var (layer, reference) = await PublishAsync("cut-half", 2_000_000);
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(ProxyFaultKind.CutBody) { PathContains = "/blobs/", Method = "GET", Times = 1, BodyBytes = layer.Descriptor.Size / 2 });
        using var client = new RegistryClient(Quick);
        using var destination = new MemoryStream();

        await client.DownloadBlobAsync(Through(proxy, reference), layer.Descriptor, destination);

        destination.ToArray().Should().Equal(layer.Content);
        proxy.Faulted.Should().Be(1);
        proxy.Seen.Count(s => s.StartsWith("GET ", StringComparison.Ordinal) && s.Contains("/blobs/", StringComparison.Ordinal)).Should().Be(2);
        proxy.BodyBytesForwarded.Should().Be(layer.Descriptor.Size, "the second request asks only for the half that did not arrive");
    }

    [Fact]
    public async Task A_connection_cut_on_every_attempt_still_completes_while_each_attempt_moves_it_forward()
    {
        var (layer, reference) = await PublishAsync("cut-often", 1_000_000);
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        // Five cuts, more than MaxRetries: each attempt brings bytes, so none counts against the retries.
        proxy.Inject(new ProxyFault(ProxyFaultKind.CutBody) { PathContains = "/blobs/", Method = "GET", Times = 5, BodyBytes = layer.Descriptor.Size / 6 });
        using var client = new RegistryClient(Quick);
        using var destination = new MemoryStream();

        await client.DownloadBlobAsync(Through(proxy, reference), layer.Descriptor, destination);

        destination.ToArray().Should().Equal(layer.Content);
        proxy.Faulted.Should().Be(5);
        proxy.BodyBytesForwarded.Should().Be(layer.Descriptor.Size);
    }

    [Fact]
    public async Task A_kept_prefix_is_continued_with_a_range_request_for_the_rest()
    {
        var (layer, reference) = await PublishAsync("kept", 1_000_000);
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        using var client = new RegistryClient(Quick);
        using var destination = new MemoryStream();
        var kept = (int)(layer.Descriptor.Size * 2 / 5);
        destination.Write(layer.Content, 0, kept);
        var reported = new List<long>();

        await client.DownloadBlobAsync(Through(proxy, reference), layer.Descriptor, destination, new SynchronousProgress(reported.Add));

        destination.ToArray().Should().Equal(layer.Content);
        proxy.BodyBytesForwarded.Should().Be(layer.Descriptor.Size - kept);
        reported.Should().OnlyContain(b => b > kept).And.EndWith(layer.Descriptor.Size);
    }

    [Theory]
    [InlineData(ProxyFaultKind.IgnoreRange)]
    [InlineData(ProxyFaultKind.RangeNotSatisfiable)]
    [InlineData(ProxyFaultKind.ShiftRange)]
    public async Task A_registry_that_does_not_serve_the_range_asked_for_makes_the_download_start_over(ProxyFaultKind refusal)
    {
        var (layer, reference) = await PublishAsync("refuse-" + refusal.ToString().ToLowerInvariant(), 500_000);
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);
        proxy.Inject(new ProxyFault(refusal) { PathContains = "/blobs/", Method = "GET", RangeOnly = true });
        using var client = new RegistryClient(Quick);
        using var destination = new MemoryStream();
        // A kept prefix that is wrong: only a download started over from byte 0 ends with the blob's content.
        destination.Write(new byte[1000]);

        await client.DownloadBlobAsync(Through(proxy, reference), layer.Descriptor, destination);

        destination.ToArray().Should().Equal(layer.Content);
        proxy.Faulted.Should().Be(1);
    }

    private static ImageReference Through(FaultProxy proxy, ImageReference reference) =>
        ImageReference.Parse(proxy.Reference($"{reference.Path}:{reference.Tag}"));

    private async Task<(BuiltLayer Layer, ImageReference Reference)> PublishAsync(string name, int size)
    {
        var image = new TestImageBuilder().WithRandomLayer(size, name.Length + size).Build();
        await Skopeo.PublishAsync(image, registry.Server, $"resume/{name}:1");
        return (image.Layers[0], ImageReference.Parse(registry.Server.Reference($"resume/{name}:1")));
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
