using Longshore.Api;
using Longshore.Runtime;

namespace Longshore.Agent.Tests;

/// <summary>The prune planner on hand-made node states: protections, modes, age, keep patterns, disk thresholds, shared bytes.</summary>
public sealed class PrunePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Id(int n) => "sha256:" + n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    private static RuntimeImage Image(int n, string[]? tags = null, long size = 100, bool pinned = false, string[]? digests = null) =>
        new(Id(n), tags ?? [], digests ?? [], size, pinned);

    private static PruneCriteria Criteria(string mode = "Unused", string? olderThan = null, string[]? keep = null, int? above = null, int? target = null) =>
        PruneCriteria.From(new PruneRequest { Name = "p", RunId = "1", Mode = mode, OlderThan = olderThan, Keep = keep?.ToList(), DiskUsageAbove = above, DiskUsageTarget = target });

    private static NodePrunePlan Plan(
        PruneCriteria criteria,
        IReadOnlyList<RuntimeImage> images,
        string[]? inUse = null,
        string[]? wanted = null,
        Dictionary<string, DateTimeOffset>? lastUse = null,
        RuntimeContent? content = null,
        ImageFilesystemUsage? usage = null) =>
        PrunePlanner.Plan(
            criteria,
            new RuntimeSnapshot(images, (inUse ?? []).ToHashSet(StringComparer.Ordinal), usage, Now),
            content,
            (wanted ?? []).ToHashSet(StringComparer.Ordinal),
            id => lastUse is not null && lastUse.TryGetValue(id, out var t) ? t : Now - TimeSpan.FromDays(30),
            Now);

    [Fact]
    public void Dangling_mode_considers_only_untagged_images()
    {
        var plan = Plan(Criteria("Dangling"), [Image(1), Image(2, ["app:1"]), Image(3, digests: ["app@sha256:" + new string('a', 64)])]);

        plan.Removals.Select(r => r.Image.Id).Should().Equal(Id(1), Id(3));
        plan.Skipped.Should().BeEmpty("a tagged image is no candidate in Dangling mode, so not skipped either");
    }

    [Fact]
    public void Every_protection_is_reported_with_its_reason_in_any_mode()
    {
        var images = new[]
        {
            Image(1, ["app:1"]),
            Image(2, ["app:2"], pinned: true),
            Image(3, ["app:3"]),
            Image(4, ["registry.k8s.io/pause:3.9"]),
            Image(5, ["web:stable"]),
            Image(6, ["recent:1"]),
            Image(7, ["old:1"]),
            Image(8, ["by-digest:1"], digests: ["docker.io/library/by-digest@sha256:" + new string('b', 64)]),
        };
        var lastUse = new Dictionary<string, DateTimeOffset> { [Id(6)] = Now - TimeSpan.FromHours(1) };

        var plan = Plan(
            Criteria(olderThan: "24h", keep: ["registry.k8s.io/*", "*:stable"]),
            images,
            inUse: [Id(1), "docker.io/library/by-digest@sha256:" + new string('b', 64)],
            wanted: [Id(3)],
            lastUse: lastUse);

        plan.Removals.Select(r => r.Image.Id).Should().Equal(Id(7));
        plan.Skipped.Select(s => (s.Image.Id, s.Reason)).Should().BeEquivalentTo(new[]
        {
            (Id(1), PruneSkipReason.InUse),
            (Id(2), PruneSkipReason.Pinned),
            (Id(3), PruneSkipReason.Wanted),
            (Id(4), PruneSkipReason.Kept),
            (Id(5), PruneSkipReason.Kept),
            (Id(6), PruneSkipReason.TooRecent),
            (Id(8), PruneSkipReason.InUse),
        });
    }

    [Fact]
    public void An_image_never_seen_counts_as_just_used()
    {
        var plan = PrunePlanner.Plan(Criteria(olderThan: "1h"), new RuntimeSnapshot([Image(1, ["a:1"])], new HashSet<string>(), null, Now), null, new HashSet<string>(), _ => null, Now);

        plan.Removals.Should().BeEmpty();
        plan.Skipped.Should().ContainSingle().Which.Reason.Should().Be(PruneSkipReason.TooRecent);
    }

    [Fact]
    public void Keep_patterns_match_full_and_familiar_references_and_a_port_is_no_tag()
    {
        var keep = new KeepPatterns(["registry.k8s.io/*", "*:stable", "localhost:5000/team/*", "nginx"]);

        keep.Matches(Image(1, ["registry.k8s.io/sig-storage/csi:1"])).Should().BeTrue();
        keep.Matches(Image(2, ["docker.io/library/web:stable"])).Should().BeTrue();
        keep.Matches(Image(3, ["localhost:5000/team/app:9"])).Should().BeTrue();
        keep.Matches(Image(4, ["docker.io/library/nginx:1.27"])).Should().BeTrue("a pattern without a tag matches the repository, familiar form too");
        keep.Matches(Image(5, ["docker.io/library/web:1"])).Should().BeFalse();
        keep.Matches(Image(6)).Should().BeFalse("an untagged image has no reference to match");
    }

    [Fact]
    public void Shared_content_counts_only_when_its_last_image_goes()
    {
        // 1 and 2 share layer L (1000 bytes); 3 (in use) shares M with 2.
        var content = Content(new()
        {
            [Id(1)] = ["c1", "L"],
            [Id(2)] = ["c2", "L", "M"],
            [Id(3)] = ["c3", "M"],
        });

        var both = Plan(Criteria(), [Image(1), Image(2), Image(3)], inUse: [Id(3)], content: content);
        var one = Plan(Criteria(), [Image(1), Image(2, ["keep:me"]), Image(3)], inUse: [Id(3)], content: content, wanted: [Id(2)]);

        both.Exact.Should().BeTrue();
        both.BytesPlanned.Should().Be(10 + 20 + 1000, "c1, c2 and L go; M stays with the image in use");
        one.BytesPlanned.Should().Be(10, "L stays with image 2");
    }

    [Fact]
    public void Content_held_by_a_pull_in_progress_is_never_counted()
    {
        var content = Content(new() { [Id(1)] = ["c1", "L"] }, held: ["L"]);

        Plan(Criteria(), [Image(1)], content: content).BytesPlanned.Should().Be(10);
    }

    [Fact]
    public void Without_a_content_listing_the_plan_counts_reported_sizes_and_says_it_is_not_exact()
    {
        var plan = Plan(Criteria(), [Image(1, size: 300), Image(2, size: 400)]);

        plan.BytesPlanned.Should().Be(700);
        plan.Exact.Should().BeFalse();
    }

    [Fact]
    public void Below_the_threshold_nothing_goes_and_every_candidate_says_so()
    {
        var plan = Plan(Criteria(above: 80, target: 60), [Image(1), Image(2)], usage: new ImageFilesystemUsage(700, 1000));

        plan.Removals.Should().BeEmpty();
        plan.Skipped.Select(s => s.Reason).Should().AllBeEquivalentTo(PruneSkipReason.BelowDiskTarget);
        plan.Note.Should().Contain("70% full, not above 80%");
    }

    [Fact]
    public void Above_the_threshold_removes_least_recently_used_first_until_the_target()
    {
        var images = new[] { Image(1, size: 100), Image(2, size: 100), Image(3, size: 100), Image(4, size: 100) };
        var lastUse = new Dictionary<string, DateTimeOffset>
        {
            [Id(1)] = Now - TimeSpan.FromDays(1),
            [Id(2)] = Now - TimeSpan.FromDays(4),
            [Id(3)] = Now - TimeSpan.FromDays(2),
            [Id(4)] = Now - TimeSpan.FromDays(3),
        };

        // 900 of 1000 used; the target 75% is 750 bytes: two removals of 100 reach 700.
        var plan = Plan(Criteria(above: 85, target: 75), images, lastUse: lastUse, usage: new ImageFilesystemUsage(900, 1000));

        plan.Removals.Select(r => r.Image.Id).Should().Equal(Id(2), Id(4));
        plan.Skipped.Select(s => (s.Image.Id, s.Reason)).Should().BeEquivalentTo(new[] { (Id(1), PruneSkipReason.BelowDiskTarget), (Id(3), PruneSkipReason.BelowDiskTarget) });
    }

    [Fact]
    public void An_unknown_capacity_removes_nothing_under_a_threshold()
    {
        var plan = Plan(Criteria(above: 50), [Image(1)], usage: new ImageFilesystemUsage(900, null));

        plan.Removals.Should().BeEmpty();
        plan.Note.Should().Contain("capacity is unknown");
    }

    [Theory]
    [InlineData("Sometimes", null, null, null, "mode:")]
    [InlineData("Unused", "soon", null, null, "olderThan:")]
    [InlineData("Unused", null, null, 50, "diskUsageTarget: 50 must be below diskUsageAbove (not set)")]
    [InlineData("Unused", null, 60, 70, "diskUsageTarget: 70 must be below diskUsageAbove (60)")]
    public void A_bad_request_names_its_field(string mode, string? olderThan, int? above, int? target, string message)
    {
        var act = () => Criteria(mode, olderThan, above: above, target: target);

        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith(message);
    }

    private static RuntimeContent Content(Dictionary<string, string[]> images, string[]? held = null)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var item in images.Values.SelectMany(i => i))
        {
            sizes[item] = item.StartsWith('c') ? (item[1] - '0') * 10 : 1000;
        }

        return new RuntimeContent(images.ToDictionary(i => i.Key, i => (IReadOnlyList<string>)i.Value), sizes, (held ?? []).ToHashSet(StringComparer.Ordinal));
    }
}
