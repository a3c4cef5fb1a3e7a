using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Longshore.Agent;
using Longshore.Api;
using Longshore.Runtime;
using Longshore.TestBed;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Bench;

/// <summary>
/// One node wanting <c>images</c> images on a real containerd that holds them all: the runtime calls (CRI and
/// containerd's API) and the time of one agent reconcile, first (pinning them all) and steady, beside asking the runtime
/// image by image as the agent used to.
/// </summary>
public sealed class ReconcileBenchmark(int images, TextWriter output)
{
    private const string Repository = "bench.local/many";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var containerd = await ContainerdServer.StartAsync([], cancellationToken);
        using var scratch = TempDirectory.Create("longshore-bench-reconcile");
        var timer = Stopwatch.StartNew();
        await ImportAsync(containerd, scratch, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {images} images into containerd in {timer.Elapsed.TotalSeconds:F1} s"));

        var calls = new CountingInterceptor();
        await using var runtime = new CriImageRuntime(containerd.SocketPath, calls);
        var listed = await runtime.ListImagesAsync(cancellationToken);
        if (listed.Count(i => i.RepoTags.Any(t => t.StartsWith(Repository + ":", StringComparison.Ordinal))) < images)
        {
            throw new InvalidOperationException($"CRI lists {listed.Count} images, fewer than the {images} imported");
        }

        var spec = new NodeImageSpec
        {
            Images = Enumerable.Range(0, images).Select(i => new WantedImage
            {
                Reference = $"{Repository}:t{i}",
                Pin = true,
                Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "bench" }],
            }).ToList(),
        };
        await using var pulls = new PullScheduler(runtime, 2, PullScheduler.DefaultBackoff, TimeProvider.System, NullLogger.Instance);
        var sync = new NodeImageSync(runtime, pulls, TimeProvider.System, NullLogger.Instance);
        calls.Take();

        NodeImageStatus? status = null;
        async Task<(double Seconds, IReadOnlyDictionary<string, int> Calls)> Reconcile()
        {
            var watch = Stopwatch.StartNew();
            var result = await sync.SyncAsync(spec, status, 1, cancellationToken);
            var seconds = watch.Elapsed.TotalSeconds;
            status = result.Status;
            var present = status.Images!.Count(e => e.Phase == ImagePhase.Present && e.Pinned);
            if (present != images)
            {
                throw new InvalidOperationException($"{present} of {images} wanted images present and pinned");
            }

            return (seconds, calls.Take());
        }

        var first = await Reconcile();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first reconcile (pins {images} images)   {first.Seconds:F2} s, {first.Calls.Values.Sum()} runtime calls: {Describe(first.Calls)}"));
        var steady = new List<(double Seconds, IReadOnlyDictionary<string, int> Calls)>();
        for (var i = 0; i < 5; i++)
        {
            steady.Add(await Reconcile());
        }

        var median = steady.Select(s => s.Seconds).Order().ElementAt(steady.Count / 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steady reconcile, {images} wanted, all present   median {median:F3} s of {string.Join(", ", steady.Select(s => s.Seconds.ToString("F3", CultureInfo.InvariantCulture)))} (target < 1 s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"runtime calls per steady reconcile     {string.Join(", ", steady.Select(s => s.Calls.Values.Sum()).Distinct())} (target O(1)): {Describe(steady[^1].Calls)}"));

        // As the agent did before: one image status per wanted image (each also reading containerd's pinned labels).
        timer.Restart();
        foreach (var image in spec.Images)
        {
            _ = await runtime.ImageStatusAsync(image.Reference, cancellationToken);
        }

        var perImage = calls.Take();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"image by image (as before), for scale   {timer.Elapsed.TotalSeconds:F2} s, {perImage.Values.Sum()} runtime calls: {Describe(perImage)}"));
    }

    private static string Describe(IReadOnlyDictionary<string, int> calls) =>
        string.Join(", ", calls.OrderByDescending(c => c.Value).Select(c => $"{c.Key.Split('/')[^1]}×{c.Value}"));

    /// <summary>
    /// Distinct tiny images (one shared layer, a config label each) in one OCI archive, imported with ctr under
    /// <c>bench.local/many:tN</c>.
    /// </summary>
    private async Task ImportAsync(ContainerdServer containerd, TempDirectory scratch, CancellationToken cancellationToken)
    {
        var layout = Directory.CreateDirectory(scratch.Combine("layout")).FullName;
        var blobs = Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256")).FullName;
        var shared = new TestImageBuilder().WithFile("etc/bench", "shared").Build().Layers[0];
        var manifests = new JsonArray();
        for (var i = 0; i < images; i++)
        {
            var image = new TestImageBuilder().WithSharedLayer(shared).WithLabel("bench.index", i.ToString(CultureInfo.InvariantCulture)).Build();
            foreach (var (digest, content) in image.Blobs.Append(new(image.ManifestDigest, image.ManifestBytes)))
            {
                var path = Path.Combine(blobs, digest.Hex);
                if (!File.Exists(path))
                {
                    await File.WriteAllBytesAsync(path, content, cancellationToken);
                }
            }

            manifests.Add(new JsonObject
            {
                ["mediaType"] = image.ManifestMediaType,
                ["digest"] = image.ManifestDigest.ToString(),
                ["size"] = image.ManifestBytes.LongLength,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = $"t{i}" },
            });
        }

        await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(layout, "index.json"), new JsonObject { ["schemaVersion"] = 2, ["manifests"] = manifests }.ToJsonString(), cancellationToken);
        var archive = scratch.Combine("images.tar");
        (await ProcessRunner.RunAsync("tar", ["-C", layout, "-cf", archive, "."], cancellationToken: cancellationToken)).EnsureSuccess();
        (await containerd.CtrAsync(["images", "import", "--base-name", Repository, "--snapshotter", "native", archive], cancellationToken)).EnsureSuccess();
    }
}
