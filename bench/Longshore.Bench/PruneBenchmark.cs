using System.Diagnostics;
using System.Globalization;
using System.Text;
using Longshore.Agent;
using Longshore.Api;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Runtime;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// Prune planning at scale: <c>images</c> images over <c>layers</c> distinct layers (each image five layers of its
/// own and two of a shared base pool), a third dangling, some in use, pinned or kept, least-recently-used order under a
/// disk threshold. Times the agent's planner over a synthetic containerd content listing (blobs and snapshot chains),
/// and on a real embedded store both the store's own plan and the agent's plan over the store's reference graph,
/// printing time and managed memory allocated for each.
/// </summary>
public sealed class PruneBenchmark(int images, int layers, TextWriter output)
{
    private const int OwnLayers = 5;
    private const int BaseLayers = 100;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (layers < images * OwnLayers)
        {
            throw new ArgumentException($"--layers {layers} must be at least {OwnLayers} per image ({images * OwnLayers})");
        }

        var now = DateTimeOffset.UtcNow;
        var runtimeImages = Enumerable.Range(0, images).Select(i => new RuntimeImage(
            Id(i),
            i % 3 == 0 ? [] : [i % 50 == 1 ? $"registry.k8s.io/sys{i}:1" : $"bench.local/app{i}:v1"],
            [$"bench.local/app{i}@{Hex(1, i)}"],
            1_000_000,
            Pinned: i % 97 == 0)).ToList();
        var inUse = Enumerable.Range(0, images).Where(i => i % 13 == 0).Select(Id).ToHashSet(StringComparer.Ordinal);
        var lastUse = Enumerable.Range(0, images).ToDictionary(Id, i => now - TimeSpan.FromMinutes((i * 7919) % 100_000), StringComparer.Ordinal);
        var request = new PruneRequest { Name = "bench", RunId = "1", Mode = "Unused", OlderThan = "1h", Keep = ["registry.k8s.io/*", "*:stable"], DiskUsageAbove = 80, DiskUsageTarget = 50 };
        var criteria = PruneCriteria.From(request);

        // containerd: per image its index-free manifest, config, layers and the snapshot chain over them.
        var content = Synthetic();
        var snapshot = new RuntimeSnapshot(runtimeImages, inUse, new ImageFilesystemUsage(content.TotalBytes, content.TotalBytes * 100 / 90), now);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var (plan, seconds, allocated) = Measure(() => PrunePlanner.Plan(criteria, snapshot, content, wanted, id => lastUse[id], now));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"containerd planner: {images} images, {content.Sizes.Count} blobs and snapshots ({content.ImageItems.Values.Sum(i => i.Count)} references): planned {plan.Removals.Count} removals, {plan.Skipped.Count} skipped, {plan.BytesPlanned} bytes, in {seconds * 1000:F0} ms warm, {allocated / 1048576.0:F1} MiB allocated"));

        using var scratch = TempDirectory.Create("longshore-bench-prune");
        using var store = ImageStore.Open(scratch.Combine("store"));
        var timer = Stopwatch.StartNew();
        Populate(store);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"embedded store: committed {images} images over {layers} layers in {timer.Elapsed.TotalSeconds:F1} s"));
        await using var embedded = new EmbeddedImageRuntime(store, new Registry.RegistryClientOptions());
        var listed = await RuntimeSnapshot.TakeAsync(embedded, TimeProvider.System, cancellationToken);
        var (storePlan, storeSeconds, storeAllocated) = Measure(() => store.PlanPrune(new PruneOptions { Mode = LayerStore.PruneMode.Unused, Keep = request.Keep! }));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"embedded store's own plan: {storePlan.Images.Count} images, {storePlan.ReclaimableBytes} bytes, in {storeSeconds * 1000:F0} ms warm, {storeAllocated / 1048576.0:F1} MiB allocated"));
        var (agentPlan, agentSeconds, agentAllocated) = Measure(() =>
        {
            var graph = store.GetContent();
            var storeContent = new RuntimeContent(graph.ImageBlobs, graph.Sizes, graph.Leased);
            return PrunePlanner.Plan(criteria with { DiskUsageAbove = null, DiskUsageTarget = null, OlderThan = TimeSpan.Zero }, listed, storeContent, wanted, _ => now, now);
        });
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agent planner on the embedded store (reference graph read included): {agentPlan.Removals.Count} removals, {agentPlan.BytesPlanned} bytes, in {agentSeconds * 1000:F0} ms warm, {agentAllocated / 1048576.0:F1} MiB allocated"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB (process, store population included); target: plan <= 1 s, <= 100 MB"));
    }

    /// <summary>The first (cold: JIT, first use) and the best of three more runs, with the managed bytes a warm run allocates.</summary>
    private (T Result, double Seconds, long Allocated) Measure<T>(Func<T> plan)
    {
        var cold = Stopwatch.StartNew();
        var result = plan();
        var coldSeconds = cold.Elapsed.TotalSeconds;
        var best = double.MaxValue;
        long allocated = 0;
        for (var run = 0; run < 3; run++)
        {
            GC.Collect();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            result = plan();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (cold run {coldSeconds * 1000:F0} ms)"));
        return (result, best, allocated);
    }

    private static string Id(int i) => Hex(0, i);

    /// <summary>A distinct sha256-shaped digest per kind (0 config, 1 manifest, 2 layer) and number.</summary>
    private static string Hex(int kind, int n) => "sha256:" + kind.ToString("x2", CultureInfo.InvariantCulture) + n.ToString("x62", CultureInfo.InvariantCulture);

    private IEnumerable<int> LayersOf(int image) =>
        new[] { image % BaseLayers, (image / BaseLayers) % BaseLayers }.Distinct().Concat(Enumerable.Range(BaseLayers + (image * OwnLayers), OwnLayers)).Where(l => l < layers);

    private RuntimeContent Synthetic()
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var items = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (var i = 0; i < images; i++)
        {
            var own = new List<string> { Id(i), Hex(1, i) };
            sizes[Id(i)] = 2_000;
            sizes[Hex(1, i)] = 1_000;
            var chain = string.Empty;
            foreach (var layer in LayersOf(i))
            {
                var digest = Hex(2, layer);
                sizes[digest] = 100_000 + layer;
                own.Add(digest);
                // A snapshot is named by its chain, so images with the same base share its snapshots.
                chain = chain.Length == 0 ? digest : $"{chain}|{layer}";
                var key = "snapshot:native/" + (chain.Length > 80 ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(chain))) : chain);
                sizes[key] = 250_000;
                own.Add(key);
            }

            items[Id(i)] = own;
        }

        return new RuntimeContent(items, sizes, new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>Real blobs and images in the store: layers are small, the graph is what the plan walks.</summary>
    private void Populate(ImageStore store)
    {
        var layerDigests = new Digest[layers];
        for (var l = 0; l < layers; l++)
        {
            var bytes = Encoding.UTF8.GetBytes($"layer {l}");
            layerDigests[l] = Oci.Digest.Compute(bytes);
            store.WriteBlob(layerDigests[l], bytes);
        }

        for (var i = 0; i < images; i++)
        {
            var own = LayersOf(i).ToList();
            var diffIds = string.Join(",", own.Select(l => $"\"{layerDigests[l]}\""));
            var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"n\":\"{i}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{diffIds}]}}}}");
            var configDigest = Oci.Digest.Compute(config);
            store.WriteBlob(configDigest, config);
            var layerDescriptors = string.Join(",", own.Select(l => $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{layerDigests[l]}\",\"size\":{Encoding.UTF8.GetByteCount($"layer {l}")}}}"));
            var manifest = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{configDigest}\",\"size\":{config.Length}}},\"layers\":[{layerDescriptors}]}}");
            var document = ManifestDocument.Parse(manifest, "application/vnd.oci.image.manifest.v1+json");
            store.WriteBlob(document.Digest, manifest);
            var reference = ImageReference.Parse(i % 3 == 0 ? $"bench.local/app@{document.Digest}" : i % 50 == 1 ? $"registry.k8s.io/sys{i}:1" : $"bench.local/app{i}:v1");
            using var lease = store.Lease([configDigest, document.Digest, .. own.Select(l => layerDigests[l])]);
            store.CommitImage(new ImageCommit(reference, null, document, ImageConfig.Parse(config), config.Length), lease);
            if (i % 13 == 0)
            {
                store.MarkInUse(configDigest, "bench");
            }
            else if (i % 97 == 0)
            {
                store.Pin(configDigest, "bench");
            }
        }
    }
}
