using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class LockPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string A = "sha256:" + new string('a', 64);
    private static readonly string B = "sha256:" + new string('b', 64);
    private static readonly string C = "sha256:" + new string('c', 64);
    private static readonly Dictionary<string, IReadOnlyList<PlatformDigest>> NoPlatforms = [];

    private static PolicyImage Follow() => new() { Repository = "reg/app", Tag = "stable" };

    private static PolicyImage Hold(string? digest = null) => new() { Repository = "reg/app", Tag = "stable", UpdatePolicy = "Hold", Digest = digest };

    private static ImageLock Locked(string digest) =>
        LockPlanner.Plan(Follow(), null, ImageResolution.Resolved("stable", digest), NoPlatforms, T0).Lock!;

    [Fact]
    public void First_resolution_locks_with_one_history_entry()
    {
        var outcome = LockPlanner.Plan(Follow(), null, ImageResolution.Resolved("stable", A), NoPlatforms, T0.AddMilliseconds(700));
        outcome.Change.Should().Be(LockChange.Locked);
        var @lock = outcome.Lock!;
        (@lock.Image, @lock.Tag, @lock.Digest, @lock.PreviousDigest, @lock.RegistryDigest, @lock.UpdatePolicy).Should().Be(("reg/app", "stable", A, (string?)null, (string?)null, "Follow"));
        @lock.ResolvedAt.Should().Be(T0.UtcDateTime, "times are whole seconds, as the API server keeps them");
        @lock.History!.Select(h => (h.Digest, h.From, h.To)).Should().Equal((A, T0.UtcDateTime, (DateTime?)null));
    }

    [Fact]
    public void Follow_moves_the_lock_and_closes_the_old_history_entry()
    {
        var later = T0.AddHours(1);
        var outcome = LockPlanner.Plan(Follow(), Locked(A), ImageResolution.Resolved("stable", B), NoPlatforms, later);
        outcome.Change.Should().Be(LockChange.Moved);
        var @lock = outcome.Lock!;
        (@lock.Digest, @lock.PreviousDigest, @lock.RegistryDigest, @lock.ResolvedAt).Should().Be((B, A, (string?)null, later.UtcDateTime));
        @lock.History!.Select(h => (h.Digest, h.From, h.To)).Should().Equal((B, later.UtcDateTime, null), (A, T0.UtcDateTime, later.UtcDateTime));
        outcome.TagMoved.Should().BeFalse("under Follow the lock moved with the tag: no drift");
    }

    [Fact]
    public void An_unchanged_digest_changes_nothing()
    {
        var current = Locked(A);
        var outcome = LockPlanner.Plan(Follow(), current, ImageResolution.Resolved("stable", A), NoPlatforms, T0.AddHours(2));
        outcome.Change.Should().Be(LockChange.None);
        System.Text.Json.JsonSerializer.Serialize(outcome.Lock).Should().Be(System.Text.Json.JsonSerializer.Serialize(current));
    }

    [Fact]
    public void History_is_bounded_to_ten_newest_first()
    {
        var @lock = Locked(A);
        for (var i = 1; i <= 14; i++)
        {
            var digest = "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
            @lock = LockPlanner.Plan(Follow(), @lock, ImageResolution.Resolved("stable", digest), NoPlatforms, T0.AddMinutes(i)).Lock!;
        }

        @lock.History.Should().HaveCount(LockPlanner.MaxHistory);
        @lock.History![0].Digest.Should().Be(@lock.Digest);
        @lock.History[0].To.Should().BeNull();
        @lock.History.Skip(1).Should().OnlyContain(h => h.To != null);
    }

    [Fact]
    public void Hold_keeps_the_lock_shows_the_registry_digest_and_counts_as_tag_moved_until_approved()
    {
        var held = LockPlanner.Plan(Hold(), Locked(A), ImageResolution.Resolved("stable", B), NoPlatforms, T0.AddHours(1));
        held.Change.Should().Be(LockChange.Held);
        (held.Lock!.Digest, held.Lock.RegistryDigest, held.TagMoved).Should().Be((A, B, true));

        var again = LockPlanner.Plan(Hold(), held.Lock, ImageResolution.Resolved("stable", B), NoPlatforms, T0.AddHours(2));
        again.Change.Should().Be(LockChange.None, "the same move is reported once");
        again.TagMoved.Should().BeTrue();

        var approved = LockPlanner.Plan(Hold(B), again.Lock, ImageResolution.Resolved("stable", B), NoPlatforms, T0.AddHours(3));
        approved.Change.Should().Be(LockChange.Approved);
        (approved.Lock!.Digest, approved.Lock.PreviousDigest, approved.Lock.RegistryDigest, approved.TagMoved).Should().Be((B, A, (string?)null, false));
    }

    [Fact]
    public void Hold_without_a_lock_locks_the_approved_digest_even_when_the_tag_points_elsewhere()
    {
        var outcome = LockPlanner.Plan(Hold(C), null, ImageResolution.Resolved("stable", B), NoPlatforms, T0);
        (outcome.Lock!.Digest, outcome.Lock.RegistryDigest, outcome.Change).Should().Be((C, B, LockChange.Locked));
        LockPlanner.Plan(Hold(), null, ImageResolution.Resolved("stable", B), NoPlatforms, T0).Lock!.Digest.Should().Be(B, "unapproved, the first resolution is held");
    }

    [Fact]
    public void A_registry_outage_keeps_the_last_known_good_lock_marked_stale()
    {
        var current = Locked(A);
        var down = LockPlanner.Plan(Follow(), current, ImageResolution.Failed("stable", "connection refused", outage: true), NoPlatforms, T0.AddHours(1));
        (down.Lock!.Digest, down.Stale, down.Lock.Message, down.Refused, down.Change).Should().Be((A, true, "connection refused", false, LockChange.None));

        var cached = LockPlanner.Plan(Follow(), current, ImageResolution.Resolved("stable", A, stale: true, error: "503"), NoPlatforms, T0.AddHours(1));
        (cached.Stale, cached.Lock!.Message).Should().Be((true, "503"));

        var back = LockPlanner.Plan(Follow(), down.Lock, ImageResolution.Resolved("stable", A), NoPlatforms, T0.AddHours(2));
        (back.Stale, back.Lock!.Stale, back.Lock.Message).Should().Be((false, (bool?)null, (string?)null));
    }

    [Fact]
    public void A_refusal_keeps_the_lock_and_is_reported_and_without_a_lock_there_is_none()
    {
        var refused = LockPlanner.Plan(Follow(), Locked(A), ImageResolution.Failed("stable", "manifest unknown", outage: false), NoPlatforms, T0);
        (refused.Lock!.Digest, refused.Refused, refused.Stale, refused.Error).Should().Be((A, true, false, "manifest unknown"));

        var never = LockPlanner.Plan(Follow(), null, ImageResolution.Failed("stable", "manifest unknown", outage: false), NoPlatforms, T0);
        (never.Lock, never.Error).Should().Be(((ImageLock?)null, "manifest unknown"));
    }

    [Fact]
    public void Platform_digests_come_with_a_new_digest_and_stay_with_an_unchanged_one()
    {
        IReadOnlyList<PlatformDigest> platforms = [new PlatformDigest { Platform = "linux/amd64", Digest = B }, new PlatformDigest { Platform = "linux/arm64", Digest = C }];
        var first = LockPlanner.Plan(Follow(), null, ImageResolution.Resolved("stable", A), new Dictionary<string, IReadOnlyList<PlatformDigest>> { [A] = platforms }, T0).Lock!;
        first.PlatformDigests!.Select(p => p.Digest).Should().Equal(B, C);
        LockPlanner.Plan(Follow(), first, ImageResolution.Resolved("stable", A), NoPlatforms, T0.AddHours(1)).Lock!.PlatformDigests!.Select(p => p.Digest).Should().Equal(B, C);
    }

    [Fact]
    public void Not_due_keeps_the_lock_as_it_is()
    {
        var current = Locked(A);
        LockPlanner.Plan(Follow(), current, null, NoPlatforms, T0.AddHours(1)).Lock.Should().BeSameAs(current);
    }
}
