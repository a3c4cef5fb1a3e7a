using System.Formats.Tar;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Longshore.Api;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Longshore.Runtime;
using Longshore.TestBed;

namespace Longshore.Agent.Tests;

/// <summary>The prune planner over random node states, and on the embedded layer store against what removal really frees.</summary>
public sealed class PrunePlannerPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Names = ["registry.k8s.io/pause:3.9", "docker.io/library/web:stable", "docker.io/library/web:1", "example.com/team/app:2", "example.com/tools/x:latest"];
    private static readonly string[] Patterns = ["registry.k8s.io/*", "*:stable", "example.com/team/*", "web"];
    private static readonly BuiltLayer[] Shared = Enumerable.Range(0, 3).Select(i => new TestImageBuilder().WithRandomLayer(4_000 + i, 700 + i).Build().Layers[0]).ToArray();

    private sealed record ImageState(int Items, int Tag, bool Pinned, bool InUse, bool Wanted, int AgeHours, bool Seen);

    private sealed record NodeState(List<ImageState> Images, int[] ItemSizes, int HeldMask, string Mode, int OlderThanHours, int KeepMask, int? Above, int? Target, long Used, long Capacity);

    private static Gen<NodeState> States() =>
        from images in Gen.ListOf(
            from items in Gen.Choose(0, 255)
            from tag in Gen.Choose(-1, Names.Length - 1)
            from pinned in Gen.Frequency((1, Gen.Constant(true)), (5, Gen.Constant(false)))
            from inUse in Gen.Frequency((1, Gen.Constant(true)), (4, Gen.Constant(false)))
            from wanted in Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false)))
            from age in Gen.Choose(0, 100)
            from seen in Gen.Frequency((1, Gen.Constant(false)), (8, Gen.Constant(true)))
            select new ImageState(items, tag, pinned, inUse, wanted, age, seen))
        from sizes in Gen.ArrayOf(Gen.Choose(1, 10_000), 8)
        from held in Gen.Choose(0, 255)
        from mode in Gen.Elements("Dangling", "Unused")
        from olderThan in Gen.Elements(0, 1, 24, 48)
        from keep in Gen.Choose(0, 15)
        from thresholds in Gen.Elements<(int?, int?)>((null, null), (50, null), (50, 30), (90, 10), (0, null))
        from used in Gen.Choose(0, 100_000)
        from capacity in Gen.Choose(1, 120_000)
        select new NodeState(images.ToList(), sizes, held, mode, olderThan, keep, thresholds.Item1, thresholds.Item2, used, capacity);

    /// <summary>
    /// Any node state: no planned removal is protected, every candidate is removed or skipped exactly once, the planned
    /// bytes are what a mark-and-sweep of the survivors leaves, and a threshold stops as soon as the target is reached.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property A_plan_never_removes_a_protected_image_and_counts_exactly_the_unshared_bytes() =>
        Prop.ForAll(States().ToArbitrary(), state =>
        {
            var images = state.Images.Select((s, i) => new RuntimeImage(
                "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
                s.Tag < 0 ? [] : [Names[s.Tag]],
                [],
                100,
                s.Pinned)).ToList();
            var content = new RuntimeContent(
                images.Select((image, i) => (image.Id, Items: (IReadOnlyList<string>)Enumerable.Range(0, 8).Where(b => (state.Images[i].Items & (1 << b)) != 0).Select(b => $"item{b}").ToList())).ToDictionary(x => x.Id, x => x.Items),
                Enumerable.Range(0, 8).ToDictionary(b => $"item{b}", b => (long)state.ItemSizes[b]),
                Enumerable.Range(0, 8).Where(b => (state.HeldMask & (1 << b)) != 0).Select(b => $"item{b}").ToHashSet());
            var inUse = images.Where((_, i) => state.Images[i].InUse).Select(i => i.Id).ToHashSet();
            var wanted = images.Where((_, i) => state.Images[i].Wanted).Select(i => i.Id).ToHashSet();
            var lastUse = images.Select((image, i) => (image.Id, At: state.Images[i].Seen ? Now - TimeSpan.FromHours(state.Images[i].AgeHours) : (DateTimeOffset?)null)).ToDictionary(x => x.Id, x => x.At);
            var keep = Patterns.Where((_, b) => (state.KeepMask & (1 << b)) != 0).ToList();
            var request = new PruneRequest { Name = "p", RunId = "r", Mode = state.Mode, OlderThan = state.OlderThanHours > 0 ? $"{state.OlderThanHours}h" : null, Keep = keep, DiskUsageAbove = state.Above, DiskUsageTarget = state.Target };
            var criteria = PruneCriteria.From(request);
            var usage = new ImageFilesystemUsage(state.Used, state.Capacity);

            var plan = PrunePlanner.Plan(criteria, new RuntimeSnapshot(images, inUse, usage, Now), content, wanted, id => lastUse[id], Now);

            var removed = plan.Removals.Select(r => r.Image.Id).ToHashSet();
            var keepPatterns = new KeepPatterns(keep);
            var noneProtected = plan.Removals.All(r =>
            {
                var i = images.IndexOf(r.Image);
                var age = state.Images[i].Seen ? TimeSpan.FromHours(state.Images[i].AgeHours) : TimeSpan.Zero;
                return !inUse.Contains(r.Image.Id) && !r.Image.Pinned && !wanted.Contains(r.Image.Id) && !keepPatterns.Matches(r.Image)
                    && (criteria.OlderThan == TimeSpan.Zero || age >= criteria.OlderThan)
                    && (state.Mode == "Unused" || r.Image.RepoTags.Count == 0);
            });
            var candidates = images.Where(i => state.Mode == "Unused" || i.RepoTags.Count == 0).Select(i => i.Id).ToList();
            var accounted = plan.Removals.Select(r => r.Image.Id).Concat(plan.Skipped.Select(s => s.Image.Id)).ToList();
            var survivors = content.ImageItems.Where(i => !removed.Contains(i.Key)).SelectMany(i => i.Value).Concat(content.Held).ToHashSet();
            var expectedBytes = content.ImageItems.Where(i => removed.Contains(i.Key)).SelectMany(i => i.Value).Distinct().Where(b => !survivors.Contains(b)).Sum(b => content.Sizes[b]);
            var thresholdHolds = state.Above is not { } above
                || (state.Used * 100 <= above * state.Capacity
                    ? plan.Removals.Count == 0
                    : plan.Removals.Take(plan.Removals.Count - 1).Sum(r => r.Bytes) < state.Used - ((state.Target ?? above) * state.Capacity / 100)
                        && (plan.Skipped.All(s => s.Reason != PruneSkipReason.BelowDiskTarget) || state.Used - plan.BytesPlanned <= (state.Target ?? above) * state.Capacity / 100));
            return (noneProtected && accounted.Count == candidates.Count && accounted.ToHashSet().SetEquals(candidates) && plan.BytesPlanned == expectedBytes && thresholdHolds)
                .Label($"protected={!noneProtected} accounted={accounted.Count}/{candidates.Count} bytes={plan.BytesPlanned}/{expectedBytes} threshold={thresholdHolds}");
        });

    /// <summary>
    /// On the embedded store, with images sharing layers, tagged or not, pinned or in use: the agent's plan over the
    /// store's own reference graph frees exactly its planned bytes when its images are removed through the runtime, and
    /// with no agent-only protection it is the store's own prune plan.
    /// </summary>
    [Property(MaxTest = 12)]
    public Property On_the_embedded_store_planned_bytes_are_freed_bytes()
    {
        var imageSpec =
            from mask in Gen.Choose(0, 7)
            from unique in Gen.Choose(0, 2)
            from kind in Gen.Elements("tag", "dangling", "pinned", "used")
            select (SharedMask: mask, Unique: unique, Kind: kind);
        return Prop.ForAll(
            Gen.ListOf(imageSpec).Where(l => l.Count > 0 && l.Count <= 6).ToArbitrary(),
            Gen.Elements("Dangling", "Unused").ToArbitrary(),
            (specs, mode) => CheckEmbedded(specs.ToList(), mode).GetAwaiter().GetResult());
    }

    private static async Task<bool> CheckEmbedded(List<(int SharedMask, int Unique, string Kind)> specs, string mode)
    {
        using var directory = TempDirectory.Create("longshore-prune");
        using var store = ImageStore.Open(directory.Combine("store"));
        await using var runtime = new EmbeddedImageRuntime(store, new RegistryClientOptions());
        for (var i = 0; i < specs.Count; i++)
        {
            var (mask, unique, kind) = specs[i];
            var builder = new TestImageBuilder().WithFile("index", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var s = 0; s < Shared.Length; s++)
            {
                if ((mask & (1 << s)) != 0)
                {
                    builder = builder.WithSharedLayer(Shared[s]);
                }
            }

            for (var u = 0; u < unique; u++)
            {
                builder = builder.WithFile($"unique{u}", $"{i}-{u}");
            }

            var image = builder.Build();
            await LoadAsync(store, directory, image, kind == "dangling" ? null : $"example.com/p{i}:1");
            if (kind == "pinned")
            {
                store.Pin(image.ConfigDigest, "test");
            }
            else if (kind == "used")
            {
                store.MarkInUse(image.ConfigDigest, "test");
            }
        }

        var storePlan = store.PlanPrune(new PruneOptions { Mode = mode == "Dangling" ? LayerStore.PruneMode.Dangling : LayerStore.PruneMode.Unused });
        var snapshot = await RuntimeSnapshot.TakeAsync(runtime, TimeProvider.System, CancellationToken.None);
        var content = await runtime.ContentAsync();
        var criteria = PruneCriteria.From(new PruneRequest { Name = "p", RunId = "r", Mode = mode });
        var plan = PrunePlanner.Plan(criteria, snapshot, content, new HashSet<string>(), _ => Now - TimeSpan.FromDays(1), Now);

        var before = BlobBytes(store.Root);
        foreach (var removal in plan.Removals)
        {
            await runtime.RemoveAsync(removal.Image.Id);
        }

        var freed = before - BlobBytes(store.Root);
        var sameAsStore = plan.Removals.Select(r => r.Image.Id).ToHashSet().SetEquals(storePlan.Images.Select(i => i.ImageId.ToString()))
            && plan.BytesPlanned == storePlan.ReclaimableBytes;
        var protectedStay = (await runtime.ListImagesAsync()).Count == snapshot.Images.Count - plan.Removals.Count;
        return plan.Exact && freed == plan.BytesPlanned && sameAsStore && protectedStay && (await store.FsckAsync()).Clean;
    }

    private static long BlobBytes(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>Loads a built image through an OCI-layout archive, tagged <paramref name="name"/> or untagged.</summary>
    private static async Task LoadAsync(ImageStore store, TempDirectory directory, BuiltImage image, string? name)
    {
        var layout = directory.Combine("layout-" + Guid.NewGuid().ToString("N"));
        await OciLayoutWriter.WriteAsync(layout, image, "x");
        var indexPath = Path.Combine(layout, "index.json");
        var index = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(indexPath))!;
        var annotations = index["manifests"]![0]!["annotations"]!.AsObject();
        annotations.Remove("org.opencontainers.image.ref.name");
        if (name is not null)
        {
            annotations["io.containerd.image.name"] = ImageReference.Parse(name).ToString();
        }

        await File.WriteAllTextAsync(indexPath, index.ToJsonString());
        using var tar = new MemoryStream();
        await TarFile.CreateFromDirectoryAsync(layout, tar, includeBaseDirectory: false);
        tar.Position = 0;
        await store.LoadAsync(tar);
    }
}
