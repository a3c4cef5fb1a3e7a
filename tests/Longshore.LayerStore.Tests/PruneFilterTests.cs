using Longshore.TestBed;

namespace Longshore.LayerStore.Tests;

/// <summary><c>prune --filter until=…</c>, <c>label=…</c> and <c>label!=…</c> choose images on a real store, planned and removed.</summary>
public sealed class PruneFilterTests
{
    private static readonly DateTimeOffset Old = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset New = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Four untagged images (the dangling ones) and one tagged, differing in age and the tier label.</summary>
    private static readonly Dictionary<string, (BuiltImage Image, bool Tagged)> Images = new()
    {
        ["old-web"] = (Image("old-web", Old, "web"), false),
        ["old-db"] = (Image("old-db", Old, "db"), false),
        ["new-web"] = (Image("new-web", New, "web"), false),
        ["old-plain"] = (Image("old-plain", Old, null), false),
        ["tagged-old-web"] = (Image("tagged-old-web", Old, "web"), true),
    };

    private static BuiltImage Image(string name, DateTimeOffset created, string? tier)
    {
        var builder = new TestImageBuilder().WithFile("name", name).WithCreated(created);
        return (tier is null ? builder : builder.WithLabel("tier", tier)).Build();
    }

    private static async Task<StoreScope> FilledAsync()
    {
        var scope = new StoreScope();
        foreach (var (name, (image, tagged)) in Images)
        {
            await scope.LoadAsync(image, tagged ? $"example.com/{name}:1" : null);
        }

        return scope;
    }

    private static string[] Names(IEnumerable<Oci.Digest> ids) =>
        ids.Select(id => Images.Single(i => i.Value.Image.ConfigDigest == id).Key).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData(false, new[] { "until=2024-06-01T00:00:00Z" }, new[] { "old-db", "old-plain", "old-web" })]
    [InlineData(false, new[] { "until=2023-06-01T00:00:00Z" }, new string[0])]
    [InlineData(false, new[] { "until=8760h" }, new[] { "old-db", "old-plain", "old-web" })]
    [InlineData(false, new[] { "until=1h" }, new[] { "new-web", "old-db", "old-plain", "old-web" })]
    [InlineData(false, new[] { "label=tier=web" }, new[] { "new-web", "old-web" })]
    [InlineData(false, new[] { "label=tier" }, new[] { "new-web", "old-db", "old-web" })]
    [InlineData(false, new[] { "label!=tier=web" }, new[] { "old-db", "old-plain" })]
    [InlineData(false, new[] { "label!=tier" }, new[] { "old-plain" })]
    [InlineData(false, new[] { "label=tier", "label!=tier=db" }, new[] { "new-web", "old-web" })]
    [InlineData(false, new[] { "until=2024-06-01T00:00:00Z", "label=tier=web" }, new[] { "old-web" })]
    [InlineData(true, new[] { "label=tier=web" }, new[] { "new-web", "old-web", "tagged-old-web" })]
    [InlineData(true, new[] { "until=2024-06-01T00:00:00Z", "label!=tier=db" }, new[] { "old-plain", "old-web", "tagged-old-web" })]
    public async Task Filters_choose_the_images_docker_would(bool all, string[] filters, string[] expected)
    {
        using var scope = await FilledAsync();
        var options = PruneOptions.Parse(all ? PruneMode.Unused : PruneMode.Dangling, filters, Now);

        var plan = scope.Store.PlanPrune(options);

        Names(plan.Images.Select(i => i.ImageId)).Should().Equal(expected);
        scope.Store.List().Should().HaveCount(Images.Count, "planning removes nothing");
    }

    [Fact]
    public async Task Pruning_with_filters_removes_exactly_the_planned_images_and_their_bytes()
    {
        using var scope = await FilledAsync();
        var before = scope.BlobBytesOnDisk();
        var options = PruneOptions.Parse(PruneMode.Unused, ["until=2024-06-01T00:00:00Z", "label!=tier=db"], Now);
        var plan = scope.Store.PlanPrune(options);

        var result = scope.Store.Prune(plan);

        result.ImagesRemoved.Should().Be(3);
        result.ReclaimedBytes.Should().Be(plan.ReclaimableBytes).And.BeGreaterThan(0);
        (before - scope.BlobBytesOnDisk()).Should().Be(plan.ReclaimableBytes);
        Names(scope.Store.List().Select(r => r.ImageId)).Should().Equal("new-web", "old-db");
        result.Removed.Select(r => r.ToString()).Should().Contain("Untagged: example.com/tagged-old-web:1");
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();

        // Nothing left matches: a second run plans nothing.
        scope.Store.PlanPrune(options).Images.Should().BeEmpty();
    }
}
