using System.Diagnostics;
using System.Globalization;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Longshore.TestBed;
using Longshore.Transfer;

namespace Longshore.Bench;

/// <summary>
/// A pull whose connection is cut twice (at a third of the layer, then at a third of what is left) against an
/// uninterrupted one, through a proxy in front of a real docker-registry on loopback: wall time and the bytes the
/// registry sent, which resuming keeps at about one layer.
/// </summary>
public sealed class ResumeBenchmark(PullBenchmarkOptions options, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var work = TempDirectory.Create("longshore-bench-resume");
        var image = new TestImageBuilder().WithRandomLayer(options.LayerMegabytes * 1024 * 1024, seed: 2000).Build();
        var layer = image.Layers[0];
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        await Skopeo.PublishAsync(image, registry, "bench/resume:1", cancellationToken);
        output.WriteLine($"one layer of {layer.Size / 1e6:F0} MB (incompressible), {options.Runs} runs each");

        var plain = new List<(double Seconds, long Bytes)>();
        var cut = new List<(double Seconds, long Bytes)>();
        for (var run = 0; run < options.Runs; run++)
        {
            plain.Add(await PullAsync(registry, work.Combine($"plain-{run}"), null, cancellationToken));
            cut.Add(await PullAsync(registry, work.Combine($"cut-{run}"), new ProxyFault(ProxyFaultKind.CutBody) { PathContains = layer.Digest.Hex, Method = "GET", Times = 2, BodyBytes = layer.Size / 3 }, cancellationToken));
        }

        output.WriteLine();
        output.WriteLine($"{"pull",-36} {"median s",9} {"registry bytes",15} {"× layer",8}");
        Row("uninterrupted", plain, layer.Size);
        Row("connection cut twice, resumed", cut, layer.Size);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"starting over after each cut would have sent {(layer.Size / 3) + (layer.Size / 3) + layer.Size} bytes (1.67× layer)"));
    }

    private static async Task<(double Seconds, long Bytes)> PullAsync(RegistryServer registry, string root, ProxyFault? fault, CancellationToken cancellationToken)
    {
        await using var proxy = FaultProxy.Start(registry.BaseAddress);
        proxy.Inject(fault);
        using var client = new RegistryClient();
        using var store = ImageStore.Open(root);
        var stopwatch = Stopwatch.StartNew();
        await new ImagePuller(store).PullAsync(ImageReference.Parse(proxy.Reference("bench/resume:1")), client, new PullOptions { Platform = Platform.Parse("linux/amd64") }, cancellationToken: cancellationToken);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (fault is not null && proxy.Faulted != fault.Times)
        {
            throw new InvalidOperationException($"the proxy cut {proxy.Faulted} times, {fault.Times} were planned");
        }

        return (seconds, proxy.BodyBytesForwarded);
    }

    private void Row(string label, List<(double Seconds, long Bytes)> runs, long layerSize)
    {
        var seconds = runs.Select(r => r.Seconds).Order().ToList()[runs.Count / 2];
        var bytes = runs.Select(r => r.Bytes).Order().ToList()[runs.Count / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-36} {seconds,9:F2} {bytes,15} {(double)bytes / layerSize,8:F3}"));
    }
}
