using System.Diagnostics;
using System.Globalization;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Longshore.TestBed;
using Longshore.Transfer;

namespace Longshore.Bench;

/// <summary>
/// Times a cold pull of a large multi-layer image from a real docker-registry on loopback: the <c>longshore</c> CLI
/// (a whole process, as a user runs it), the store in-process, and <c>skopeo copy</c> to an OCI folder — the
/// baseline — in the same run. Also times a warm re-pull (every layer present) and samples peak RSS.
/// </summary>
public sealed class PullBenchmark(PullBenchmarkOptions options, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var work = TempDirectory.Create("longshore-bench");
        output.WriteLine($"building a {options.Layers}-layer image of {options.Layers * options.LayerMegabytes} MiB (incompressible content)");
        var builder = new TestImageBuilder().WithLabel("org.opencontainers.image.title", "longshore-bench");
        for (var i = 0; i < options.Layers; i++)
        {
            builder = builder.WithRandomLayer(options.LayerMegabytes * 1024 * 1024, seed: 1000 + i);
        }

        var image = builder.Build();
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        const string name = "bench/big:1";
        await Skopeo.PublishAsync(image, registry, name, cancellationToken);
        var reference = registry.Reference(name);
        output.WriteLine($"published {reference} ({image.TotalSize / 1e6:F0} MB compressed, {image.Layers.Count} layers)");

        var cli = File.Exists(options.Cli) ? options.Cli : throw new FileNotFoundException($"the longshore CLI is not built at {options.Cli} (make bench builds it)");
        var skopeo = ComponentLocator.Require("skopeo", "skopeo");
        var skopeoTimes = new List<double>();
        var cliTimes = new List<double>();
        var storeTimes = new List<double>();
        var warmTimes = new List<double>();
        long cliPeak = 0, skopeoPeak = 0;

        // Warm the page cache and the registry once so that the first timed contender is not penalised.
        await ProcessSampler.RunAsync(skopeo, ["copy", "--quiet", "--insecure-policy", "--src-tls-verify=false", $"docker://{reference}", $"oci:{work.Combine("warmup")}:1"], cancellationToken);

        for (var run = 0; run < options.Runs; run++)
        {
            var (seconds, peak) = await ProcessSampler.RunAsync(skopeo, ["copy", "--quiet", "--insecure-policy", "--src-tls-verify=false", $"docker://{reference}", $"oci:{work.Combine($"skopeo-{run}")}:1"], cancellationToken);
            skopeoTimes.Add(seconds);
            skopeoPeak = Math.Max(skopeoPeak, peak);

            var store = work.Combine($"cli-store-{run}");
            (seconds, peak) = await ProcessSampler.RunAsync("dotnet", [cli, "--store", store, "image", "pull", reference], cancellationToken);
            cliTimes.Add(seconds);
            cliPeak = Math.Max(cliPeak, peak);

            (seconds, _) = await ProcessSampler.RunAsync("dotnet", [cli, "--store", store, "image", "pull", reference], cancellationToken);
            warmTimes.Add(seconds);

            storeTimes.Add(await TimeInProcessPullAsync(work.Combine($"store-{run}"), reference, cancellationToken));
        }

        var ratio = Median(cliTimes) / Median(skopeoTimes);
        output.WriteLine();
        output.WriteLine($"{"contender",-44} {"median s",9} {"min s",7} {"MB/s",7} {"peak RSS",9}");
        Row("skopeo copy docker:// → oci: (baseline)", skopeoTimes, image.TotalSize, skopeoPeak);
        Row("longshore image pull (CLI process, cold)", cliTimes, image.TotalSize, cliPeak);
        Row("ImagePuller.PullAsync (in-process, cold)", storeTimes, image.TotalSize, 0);
        Row("longshore image pull (CLI process, warm)", warmTimes, 0, 0);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold pull ratio longshore/skopeo = {ratio:F2} (target ≤ 1.00)"));
    }

    private void Row(string label, List<double> seconds, long bytes, long peakBytes)
    {
        var median = Median(seconds);
        var rate = bytes > 0 ? (bytes / 1e6 / median).ToString("F0", CultureInfo.InvariantCulture) : "-";
        var peak = peakBytes > 0 ? $"{peakBytes / 1048576} MiB" : "-";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-44} {median,9:F2} {seconds.Min(),7:F2} {rate,7} {peak,9}"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<double> TimeInProcessPullAsync(string root, string reference, CancellationToken cancellationToken)
    {
        using var registry = new RegistryClient();
        using var store = ImageStore.Open(root);
        var stopwatch = Stopwatch.StartNew();
        await new ImagePuller(store).PullAsync(ImageReference.Parse(reference), registry, cancellationToken: cancellationToken);
        return stopwatch.Elapsed.TotalSeconds;
    }
}
