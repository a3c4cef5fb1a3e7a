using System.Globalization;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// Peak RSS of a cold <c>longshore image pull</c> process under runtime settings (GC mode, heap limit, JIT tiers),
/// against <c>skopeo copy</c>, to see where the CLI's memory goes. Each variant pulls into a fresh store.
/// </summary>
public sealed class PullMemoryBenchmark(PullBenchmarkOptions options, TextWriter output)
{
    private static readonly (string Label, Dictionary<string, string> Environment)[] Variants =
    [
        ("as shipped", []),
        ("concurrent GC off", new() { ["DOTNET_gcConcurrent"] = "0" }),
        ("server GC", new() { ["DOTNET_gcServer"] = "1" }),
        ("GCHeapHardLimit 32 MiB", new() { ["DOTNET_GCHeapHardLimit"] = "0x2000000" }),
        ("GCgen0size 4 MiB", new() { ["DOTNET_GCgen0size"] = "0x400000" }),
        ("TieredCompilation off", new() { ["DOTNET_TieredCompilation"] = "0" }),
        ("TieredPGO off", new() { ["DOTNET_TieredPGO"] = "0" }),
        ("W^X off (no double-mapped JIT code)", new() { ["DOTNET_EnableWriteXorExecute"] = "0" }),
    ];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var work = TempDirectory.Create("longshore-bench-memory");
        var builder = new TestImageBuilder();
        for (var i = 0; i < options.Layers; i++)
        {
            builder = builder.WithRandomLayer(options.LayerMegabytes * 1024 * 1024, seed: 3000 + i);
        }

        var image = builder.Build();
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        await Skopeo.PublishAsync(image, registry, "bench/memory:1", cancellationToken);
        var reference = registry.Reference("bench/memory:1");
        var cli = File.Exists(options.Cli) ? options.Cli : throw new FileNotFoundException($"the longshore CLI is not built at {options.Cli} (make bench builds it)");
        output.WriteLine($"cold pull of {image.Layers.Count} layers, {image.TotalSize / 1e6:F0} MB; median of {options.Runs} runs; anon/file split taken at the largest RSS sampled");
        output.WriteLine($"{"contender",-44} {"median s",9} {"peak RSS",10} {"anon",10} {"file",10}");

        var skopeo = ComponentLocator.Require("skopeo", "skopeo");
        await Measure("skopeo copy (baseline)", run => ProcessSampler.SampleAsync(skopeo, ["copy", "--quiet", "--insecure-policy", "--src-tls-verify=false", $"docker://{reference}", $"oci:{work.Combine($"skopeo-{run}")}:1"], cancellationToken));
        await Measure("longshore version (startup only)", _ => ProcessSampler.SampleAsync("dotnet", [cli, "--version"], cancellationToken));
        foreach (var (label, environment) in Variants)
        {
            var slug = new string(label.Where(char.IsLetterOrDigit).ToArray());
            await Measure("longshore pull, " + label, run => ProcessSampler.SampleAsync("dotnet", [cli, "--store", work.Combine($"{slug}-{run}"), "image", "pull", reference], cancellationToken, environment));
        }
    }

    private async Task Measure(string label, Func<int, Task<ProcessSample>> run)
    {
        var results = new List<ProcessSample>();
        for (var i = 0; i < options.Runs; i++)
        {
            results.Add(await run(i));
        }

        // The run with the median peak, so its breakdown belongs to it.
        var median = results.OrderBy(r => r.PeakRss).ElementAt(results.Count / 2);
        var seconds = results.Select(r => r.Seconds).Order().ElementAt(results.Count / 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-44} {seconds,9:F2} {median.PeakRss / 1048576.0,6:F1} MiB {median.AnonymousRss / 1048576.0,6:F1} MiB {median.FileRss / 1048576.0,6:F1} MiB"));
    }
}
