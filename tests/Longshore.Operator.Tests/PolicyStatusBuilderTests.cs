using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator.Tests;

public sealed class PolicyStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string A = "sha256:" + new string('a', 64);
    private static readonly string B = "sha256:" + new string('b', 64);
    private static readonly PodDriftReport NoPods = new(0, new Dictionary<string, int>(), []);

    private static LockOutcome Outcome(ImageLock? @lock, string? error = null, bool refused = false) => new("reg/app", @lock, LockChange.None, error, refused);

    private static PolicyStatusResult Build(IReadOnlyList<LockOutcome> outcomes, PodDriftReport? pods = null, NodeDriftReport? nodes = null, ImagePolicyStatus? previous = null) =>
        PolicyStatusBuilder.Build(3, previous, outcomes, pods ?? NoPods, nodes ?? NodeDriftReport.None, T0.UtcDateTime, T0.AddHours(1).UtcDateTime, T0);

    [Fact]
    public void Locked_without_drift_is_ready_not_drifted_not_stale()
    {
        var result = Build([Outcome(new ImageLock { Image = "reg/app", Digest = A })]);
        result.Progress.Should().Be(Progress.Current);
        var status = result.Status;
        status.Conditions!.Select(c => (c.Type, c.Status)).Should().BeEquivalentTo([("Ready", "True"), ("Drifted", "False"), ("Stale", "False")]);
        (status.Drift!.TagMoved, status.Drift.PodsOffDigest, status.Drift.NodesMissing, status.ObservedGeneration).Should().Be((0, 0, 0, 3L));
        status.Pods.Should().BeNull();
        KStatus.Read(3, status.ObservedGeneration, status.Conditions).Should().Be(Progress.Current);
    }

    [Fact]
    public void Every_drift_kind_is_counted_and_sets_drifted_while_ready_stays()
    {
        var held = new ImageLock { Image = "reg/app", Digest = A, RegistryDigest = B };
        var pods = new PodDriftReport(2, new Dictionary<string, int> { ["reg/app"] = 2 }, [new PodDrift { Pod = "p", Container = "c", Image = "reg/app", Digest = B }]);
        var nodes = new NodeDriftReport(3, 1, new Dictionary<string, int> { ["reg/app"] = 1 }, 0);
        var status = Build([Outcome(held)], pods, nodes).Status;
        (status.Drift!.TagMoved, status.Drift.PodsOffDigest, status.Drift.NodesMissing).Should().Be((1, 2, 1));
        var drifted = status.Conditions!.Single(c => c.Type == "Drifted");
        (drifted.Status, drifted.Reason).Should().Be(("True", "TagMoved"));
        drifted.Message.Should().Contain("1 tag(s) moved").And.Contain("2 container(s) off digest").And.Contain("1 node(s) missing");
        status.Pods.Should().ContainSingle();
        Conditions.IsTrue(status.Conditions, "Ready").Should().BeTrue();
    }

    [Fact]
    public void A_stale_lock_sets_stale_with_the_registry_error_and_stays_ready()
    {
        var status = Build([Outcome(new ImageLock { Image = "reg/app", Digest = A, Stale = true, Message = "connection refused" })]).Status;
        var stale = status.Conditions!.Single(c => c.Type == "Stale");
        (stale.Status, stale.Reason).Should().Be(("True", "RegistryUnavailable"));
        stale.Message.Should().Contain("reg/app: connection refused");
        Conditions.IsTrue(status.Conditions, "Ready").Should().BeTrue();
    }

    [Fact]
    public void An_image_without_a_lock_or_refused_stalls()
    {
        var result = Build([Outcome(null, "manifest unknown: reg/app:stable", refused: true)]);
        result.Progress.Should().Be(Progress.Failed);
        var stalled = result.Status.Conditions!.Single(c => c.Type == "Stalled");
        (stalled.Status, stalled.Reason, stalled.Message).Should().Be(("True", "ResolutionFailed", "reg/app: manifest unknown: reg/app:stable"));
        Conditions.IsTrue(result.Status.Conditions, "Ready").Should().BeFalse();
        result.Status.Locks.Should().BeEmpty();
    }

    [Fact]
    public void Nodes_still_pulling_are_reconciling()
    {
        var result = Build([Outcome(new ImageLock { Image = "reg/app", Digest = A })], nodes: new NodeDriftReport(2, 1, new Dictionary<string, int> { ["reg/app"] = 1 }, 1));
        result.Progress.Should().Be(Progress.InProgress);
        Conditions.IsTrue(result.Status.Conditions, "Reconciling").Should().BeTrue();
    }

    [Fact]
    public void Building_again_from_its_own_status_changes_nothing()
    {
        var outcomes = new[] { Outcome(new ImageLock { Image = "reg/app", Digest = A, RegistryDigest = B }) };
        var first = Build(outcomes).Status;
        var second = PolicyStatusBuilder.Build(3, first, outcomes, NoPods, NodeDriftReport.None, T0.UtcDateTime, T0.AddHours(1).UtcDateTime, T0.AddMinutes(5)).Status;
        System.Text.Json.JsonSerializer.Serialize(second).Should().Be(System.Text.Json.JsonSerializer.Serialize(first));
    }
}
