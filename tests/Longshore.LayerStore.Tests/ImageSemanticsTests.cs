using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.LayerStore.Tests;

public sealed class ImageSemanticsTests
{
    private static readonly BuiltLayer Base = new TestImageBuilder().WithRandomLayer(40_000, 7).Build().Layers[0];

    private static BuiltImage App(string name, DateTimeOffset? created = null, string? label = null) =>
        new TestImageBuilder().WithSharedLayer(Base).WithFile("app", name).WithCreated(created ?? new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)).WithLabel("app", label ?? name).Build();

    [Fact]
    public async Task Rm_untags_while_other_tags_remain_then_deletes()
    {
        using var scope = new StoreScope();
        var image = App("rm");
        await scope.LoadAsync(image, "example.com/app:1");
        scope.Store.Tag("example.com/app:1", ImageReference.Parse("example.com/app:2"));

        scope.Store.Remove("example.com/app:1").Select(r => r.ToString()).Should().Equal("Untagged: example.com/app:1");
        scope.Store.Inspect(image.ConfigDigest.ToString()).RepoTags.Should().Equal("example.com/app:2");

        var removed = scope.Store.Remove("example.com/app:2").Select(r => r.ToString()).ToList();
        removed[0].Should().Be("Untagged: example.com/app:2");
        removed.Should().Contain($"Deleted: {image.ConfigDigest}");
        removed.Should().Contain(image.Layers.Select(l => $"Deleted: {l.Digest}"));
        scope.Store.List().Should().BeEmpty();
        scope.BlobBytesOnDisk().Should().Be(0);
    }

    [Fact]
    public async Task Shared_layers_survive_removing_one_image()
    {
        using var scope = new StoreScope();
        var one = App("one");
        var two = App("two");
        await scope.LoadAsync(one, "example.com/one:1");
        await scope.LoadAsync(two, "example.com/two:1");

        var removed = scope.Store.Remove("example.com/one:1");

        removed.Should().NotContain(r => r.Value == Base.Digest.ToString());
        File.Exists(Path.Combine(scope.Root, "blobs", "sha256", Base.Digest.Hex)).Should().BeTrue();
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        scope.Store.Inspect("example.com/two:1").Id.Should().Be(two.ConfigDigest.ToString());
    }

    [Fact]
    public async Task Pinned_and_in_use_images_are_refused_unless_forced()
    {
        using var scope = new StoreScope();
        var image = App("pinned");
        await scope.LoadAsync(image, "example.com/pinned:1");
        scope.Store.Pin(image.ConfigDigest, "imageprepull/default/warm");

        var act = () => scope.Store.Remove("example.com/pinned:1");
        act.Should().Throw<ImageConflictException>().WithMessage("*pinned by imageprepull/default/warm*");
        scope.Store.Unpin(image.ConfigDigest, "imageprepull/default/warm");
        scope.Store.MarkInUse(image.ConfigDigest, "container/abc");
        act.Should().Throw<ImageConflictException>().WithMessage("*used by container/abc*");
        scope.Store.List().Should().ContainSingle();

        scope.Store.Remove("example.com/pinned:1", new RemoveOptions(Force: true)).Should().Contain(r => r.Kind == RemovedKind.Deleted);
        scope.Store.List().Should().BeEmpty();
    }

    [Fact]
    public async Task Rm_by_id_with_several_repositories_needs_force()
    {
        using var scope = new StoreScope();
        var image = App("multi");
        await scope.LoadAsync(image, "example.com/a:1");
        scope.Store.Tag("example.com/a:1", ImageReference.Parse("example.com/b:1"));

        var act = () => scope.Store.Remove(image.ConfigDigest.Short);
        act.Should().Throw<ImageConflictException>().WithMessage("*referenced in multiple repositories*");
        var removed = scope.Store.Remove(image.ConfigDigest.Short, new RemoveOptions(Force: true));
        removed.Where(r => r.Kind == RemovedKind.Untagged).Select(r => r.Value).Should().Equal("example.com/a:1", "example.com/b:1");
    }

    [Fact]
    public async Task Ls_filters_like_docker()
    {
        using var scope = new StoreScope();
        var old = App("old", new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), "legacy");
        var mid = App("mid", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var fresh = App("fresh", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var dangling = App("dangling", new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await scope.LoadAsync(old, "example.com/web:1.0");
        await scope.LoadAsync(mid, "example.com/web:latest");
        await scope.LoadAsync(fresh, "alpine:latest");
        await scope.LoadAsync(dangling, null);

        scope.Store.List().Should().HaveCount(4);
        scope.Store.List().First().ImageId.Should().Be(fresh.ConfigDigest);
        scope.Store.List(new ImageFilter { Dangling = true }).Select(r => r.ImageId).Should().Equal(dangling.ConfigDigest);
        scope.Store.List(new ImageFilter { Dangling = false }).Should().HaveCount(3);
        // As in Docker, * stays within one path component.
        scope.Store.List(ImageFilter.Parse(["reference=*:latest"])).Select(r => r.Repository).Should().Equal("alpine");
        scope.Store.List(ImageFilter.Parse(["reference=*/*:latest"])).Select(r => r.Repository).Should().Equal("example.com/web");
        scope.Store.List(ImageFilter.Parse(["reference=example.com/*"])).Should().HaveCount(2);
        scope.Store.List(ImageFilter.Parse(["reference=alp*"])).Single().Repository.Should().Be("alpine");
        scope.Store.List(ImageFilter.Parse(["label=app=legacy"])).Single().ImageId.Should().Be(old.ConfigDigest);
        scope.Store.List(ImageFilter.Parse(["label=app"])).Should().HaveCount(4);
        scope.Store.List(ImageFilter.Parse(["before=example.com/web:latest"])).Select(r => r.ImageId).Should().BeEquivalentTo([old.ConfigDigest, dangling.ConfigDigest]);
        scope.Store.List(ImageFilter.Parse(["since=example.com/web:latest"])).Select(r => r.ImageId).Should().Equal(fresh.ConfigDigest);
    }

    [Theory]
    [InlineData("dangling=maybe", "dangling takes true or false")]
    [InlineData("colour=red", "supported filters are")]
    [InlineData("label=", "has no key")]
    [InlineData("nonsense", "expected key=value")]
    public void Bad_filters_say_what_is_wrong(string filter, string message)
    {
        var act = () => ImageFilter.Parse([filter]);
        act.Should().Throw<ArgumentException>().WithMessage($"*{message}*");
    }

    [Fact]
    public async Task Prune_frees_exactly_what_the_plan_said()
    {
        using var scope = new StoreScope();
        var keep = App("keep");
        var old = App("old");
        var unshared = new TestImageBuilder().WithRandomLayer(20_000, 99).Build();
        await scope.LoadAsync(old, "example.com/app:latest");
        await scope.LoadAsync(keep, "example.com/app:latest");
        await scope.LoadAsync(unshared, null);
        var before = scope.BlobBytesOnDisk();

        var plan = scope.Store.PlanPrune(new PruneOptions());
        plan.Images.Select(i => i.ImageId).Should().BeEquivalentTo([old.ConfigDigest, unshared.ConfigDigest]);
        plan.Blobs.Should().NotContain(b => b.Digest == Base.Digest);
        var result = scope.Store.Prune(plan);

        result.ReclaimedBytes.Should().Be(plan.ReclaimableBytes);
        (before - scope.BlobBytesOnDisk()).Should().Be(plan.ReclaimableBytes);
        scope.Store.List().Single().ImageId.Should().Be(keep.ConfigDigest);
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Fact]
    public async Task Prune_all_spares_pinned_in_use_and_kept_images()
    {
        using var scope = new StoreScope();
        var pinned = App("pinned");
        var used = App("used");
        var kept = App("kept");
        var gone = App("gone");
        await scope.LoadAsync(pinned, "example.com/pinned:1");
        await scope.LoadAsync(used, "example.com/used:1");
        await scope.LoadAsync(kept, "example.com/kept:1");
        await scope.LoadAsync(gone, "example.com/gone:1");
        scope.Store.Pin(pinned.ConfigDigest, "policy");
        scope.Store.MarkInUse(used.ConfigDigest, "container/x");

        var plan = scope.Store.PlanPrune(new PruneOptions { Mode = PruneMode.Unused, Keep = ["example.com/kept:*"] });

        plan.Images.Select(i => i.ImageId).Should().Equal(gone.ConfigDigest);
        var result = scope.Store.Prune(plan);
        result.Removed.Select(r => r.ToString()).Should().Contain("Untagged: example.com/gone:1");
        scope.Store.List().Should().HaveCount(3);
    }

    [Fact]
    public async Task Prune_rechecks_images_tagged_after_planning()
    {
        using var scope = new StoreScope();
        var image = App("late");
        await scope.LoadAsync(image, null);
        var plan = scope.Store.PlanPrune(new PruneOptions());
        scope.Store.Tag(image.ConfigDigest.ToString(), ImageReference.Parse("example.com/rescued:1"));

        var result = scope.Store.Prune(plan);

        result.ImagesRemoved.Should().Be(0);
        result.ReclaimedBytes.Should().Be(0);
        result.Skipped.Should().ContainSingle();
        scope.Store.Inspect("example.com/rescued:1").Id.Should().Be(image.ConfigDigest.ToString());
    }

    [Fact]
    public void Prune_until_accepts_durations_and_timestamps()
    {
        var now = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);
        PruneOptions.ParseUntil("24h", now).Should().Be(now.AddDays(-1));
        PruneOptions.ParseUntil("1h30m", now).Should().Be(now.AddMinutes(-90));
        PruneOptions.ParseUntil("2025-06-01T00:00:00Z", now).Should().Be(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var act = () => PruneOptions.ParseUntil("yesterday", now);
        act.Should().Throw<ArgumentException>().WithMessage("*invalid until value 'yesterday'*");
    }

    [Fact]
    public async Task Df_splits_shared_and_unique_bytes()
    {
        using var scope = new StoreScope();
        var one = App("one");
        var two = App("two");
        await scope.LoadAsync(one, "example.com/one:1");
        await scope.LoadAsync(two, null);

        var usage = scope.Store.GetDiskUsage();

        var first = usage.Images.Single(i => i.ImageId == one.ConfigDigest);
        first.Size.Should().Be(one.TotalSize);
        first.SharedSize.Should().Be(Base.Size);
        first.UniqueSize.Should().Be(one.TotalSize - Base.Size);
        usage.TotalBytes.Should().Be(scope.BlobBytesOnDisk());
        usage.ReclaimableBytes.Should().Be(scope.Store.PlanPrune(new PruneOptions { Mode = PruneMode.Unused }).ReclaimableBytes);
    }

    [Fact]
    public async Task Fsck_finds_corrupt_and_missing_blobs_and_repair_removes_what_needs_them()
    {
        using var scope = new StoreScope();
        var broken = App("broken");
        var lost = new TestImageBuilder().WithFile("lost", "1").Build();
        var fine = new TestImageBuilder().WithFile("fine", "1").Build();
        await scope.LoadAsync(broken, "example.com/broken:1");
        await scope.LoadAsync(lost, "example.com/lost:1");
        await scope.LoadAsync(fine, "example.com/fine:1");
        var corrupt = Path.Combine(scope.Root, "blobs", "sha256", broken.Layers[1].Digest.Hex);
        var bytes = await File.ReadAllBytesAsync(corrupt);
        bytes[^1] ^= 0x55;
        await File.WriteAllBytesAsync(corrupt, bytes);
        File.Delete(Path.Combine(scope.Root, "blobs", "sha256", lost.Layers[0].Digest.Hex));

        var report = await scope.Store.FsckAsync();
        report.Problems.Select(p => (p.Kind, p.Subject)).Should().BeEquivalentTo(new[]
        {
            ("corrupt-blob", broken.Layers[1].Digest.ToString()),
            ("missing-blob", lost.Layers[0].Digest.ToString()),
        });

        var repaired = await scope.Store.FsckAsync(repair: true);
        repaired.Repairs.Should().NotBeEmpty();
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        scope.Store.List().Select(r => r.Repository).Should().Equal("example.com/fine");
    }

    [Fact]
    public async Task Open_cleans_leftovers_of_dead_writers()
    {
        using var scope = new StoreScope();
        var image = App("survivor");
        await scope.LoadAsync(image, "example.com/survivor:1");
        var ingest = Path.Combine(scope.Root, "ingest");
        // A crashed pull (PID that cannot exist) left a partial download, a load folder and a blob renamed in but never committed.
        await File.WriteAllTextAsync(Path.Combine(ingest, $"{new string('a', 64)}.999999999.x.partial"), "partial");
        Directory.CreateDirectory(Path.Combine(ingest, "load.999999999.y"));
        var orphan = Path.Combine(scope.Root, "blobs", "sha256", Digest.Compute("orphan"u8).Hex);
        await File.WriteAllTextAsync(orphan, "orphan");

        scope.Reopen();

        Directory.EnumerateFileSystemEntries(ingest).Should().BeEmpty();
        File.Exists(orphan).Should().BeFalse();
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
        scope.Store.Inspect("example.com/survivor:1").Id.Should().Be(image.ConfigDigest.ToString());
    }

    [Fact]
    public void Unknown_images_are_reported_by_name()
    {
        using var scope = new StoreScope();
        var act = () => scope.Store.Inspect("example.com/nothing:1");
        act.Should().Throw<ImageNotFoundException>().WithMessage("No such image: example.com/nothing:1");
        var rm = () => scope.Store.Remove("deadbeef");
        rm.Should().Throw<ImageNotFoundException>();
    }
}
