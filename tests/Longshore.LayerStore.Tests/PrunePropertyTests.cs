using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.LayerStore.Tests;

public sealed class PrunePropertyTests
{
    private static readonly BuiltLayer[] Shared = Enumerable.Range(0, 3).Select(i => new TestImageBuilder().WithRandomLayer(5_000 + i, 500 + i).Build().Layers[0]).ToArray();

    /// <summary>For any mix of shared layers, tags, pins and in-use marks, a prune frees exactly the planned bytes and never breaks a survivor.</summary>
    [Property(MaxTest = 15)]
    public Property Prune_frees_exactly_the_plan_and_survivors_stay_whole()
    {
        var imageSpec =
            from mask in Gen.Choose(0, 7)
            from unique in Gen.Choose(0, 3)
            from kind in Gen.Elements("tag", "dangling", "pinned", "used")
            select (SharedMask: mask, Unique: unique, Kind: kind);
        return Prop.ForAll(
            Gen.ListOf(imageSpec).Where(l => l.Count > 0 && l.Count <= 6).ToArbitrary(),
            Gen.Elements(PruneMode.Dangling, PruneMode.Unused).ToArbitrary(),
            (specs, mode) => Check(specs.ToList(), mode).GetAwaiter().GetResult());
    }

    private static async Task<bool> Check(List<(int SharedMask, int Unique, string Kind)> specs, PruneMode mode)
    {
        using var scope = new StoreScope();
        var ids = new List<(Digest Id, string Kind)>();
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
            await scope.LoadAsync(image, kind == "dangling" ? null : $"example.com/p{i}:1");
            if (kind == "pinned")
            {
                scope.Store.Pin(image.ConfigDigest, "test");
            }
            else if (kind == "used")
            {
                scope.Store.MarkInUse(image.ConfigDigest, "test");
            }

            ids.Add((image.ConfigDigest, kind));
        }

        var before = scope.BlobBytesOnDisk();
        var plan = scope.Store.PlanPrune(new PruneOptions { Mode = mode });
        var result = scope.Store.Prune(plan);
        var freed = before - scope.BlobBytesOnDisk();
        var survivors = scope.Store.List().Select(r => r.ImageId).ToHashSet();
        var protectedStay = ids.Where(i => i.Kind is "pinned" or "used").All(i => survivors.Contains(i.Id));
        var clean = (await scope.Store.FsckAsync()).Clean;
        return freed == plan.ReclaimableBytes && result.ReclaimedBytes == plan.ReclaimableBytes && protectedStay && clean;
    }
}
