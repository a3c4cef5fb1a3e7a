using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator.Tests;

public sealed class PrePullStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<ResolvedImage> Resolved(string? message = null) =>
        [new ResolvedImage { Image = "reg/a:1", Digest = "sha256:aa", Platforms = [new PlatformDigest { Platform = "linux/amd64", Digest = "sha256:aa" }], ResolvedAt = T0.UtcDateTime, Message = message }];

    private static TargetNode Node(string name, NodePhase phase) => new(name, "linux/amd64", phase);

    [Fact]
    public void All_nodes_ready_is_current_with_ready_true_and_no_abnormal_conditions()
    {
        var targets = new[] { Node("n1", NodePhase.Ready), Node("n2", NodePhase.Ready) };
        var result = PrePullStatusBuilder.Build(4, null, Resolved(), targets, [], new HashSet<string> { "n1", "n2" }, T0);
        result.Progress.Should().Be(Progress.Current);
        result.Reason.Should().Be(PrePullReason.AllNodesReady);
        var status = result.Status;
        (status.DesiredNodes, status.ReadyNodes, status.PullingNodes, status.FailedNodes, status.ObservedGeneration).Should().Be((2, 2, 0, 0, 4L));
        status.Conditions!.Select(c => (c.Type, c.Status)).Should().BeEquivalentTo([("Ready", "True"), ("Degraded", "False")]);
        KStatus.Read(4, status.ObservedGeneration, status.Conditions).Should().Be(Progress.Current);
    }

    [Fact]
    public void Nodes_pulling_or_waiting_are_in_progress()
    {
        var targets = new[] { Node("n1", NodePhase.Ready), Node("n2", NodePhase.Pulling), Node("n3", NodePhase.Pulling) };
        var result = PrePullStatusBuilder.Build(1, null, Resolved(), targets, [], new HashSet<string> { "n1", "n2" }, T0);
        result.Progress.Should().Be(Progress.InProgress);
        (result.Status.ReadyNodes, result.Status.PullingNodes).Should().Be((1, 1));
        Conditions.IsTrue(result.Status.Conditions, "Reconciling").Should().BeTrue();
        result.Status.Conditions!.Single(c => c.Type == "Ready").Message.Should().Contain("1 waiting for a slot");
        KStatus.Read(1, 1, result.Status.Conditions).Should().Be(Progress.InProgress);
    }

    [Fact]
    public void A_failed_node_stalls_with_the_agent_s_typed_reason_and_degraded()
    {
        var targets = new[] { Node("n1", NodePhase.Ready), Node("n2", NodePhase.Failed) };
        var failures = new[] { new FailedNode { Node = "n2", Image = "reg/a:1", Reason = nameof(PullFailureReason.Unauthorized), Message = "denied" } };
        var result = PrePullStatusBuilder.Build(1, null, Resolved(), targets, failures, new HashSet<string> { "n1", "n2" }, T0);
        result.Progress.Should().Be(Progress.Failed);
        result.Reason.Should().Be(PrePullReason.PullFailed);
        result.Status.FailedNodes.Should().Be(1);
        result.Status.Failures.Should().ContainSingle().Which.Reason.Should().Be("Unauthorized");
        Conditions.IsTrue(result.Status.Conditions, "Stalled").Should().BeTrue();
        Conditions.IsTrue(result.Status.Conditions, "Degraded").Should().BeTrue();
        KStatus.Read(1, 1, result.Status.Conditions).Should().Be(Progress.Failed);
    }

    [Fact]
    public void Resolve_errors_and_missing_targets_stall()
    {
        var unresolved = PrePullStatusBuilder.Build(1, null, Resolved("manifest unknown"), [Node("n1", NodePhase.Pulling)], [], new HashSet<string> { "n1" }, T0);
        (unresolved.Progress, unresolved.Reason).Should().Be((Progress.Failed, PrePullReason.ResolveFailed));
        unresolved.Status.Conditions!.Single(c => c.Type == "Stalled").Message.Should().Contain("reg/a:1: manifest unknown");

        var nowhere = PrePullStatusBuilder.Build(1, null, Resolved(), [], [], new HashSet<string>(), T0);
        (nowhere.Progress, nowhere.Reason).Should().Be((Progress.Failed, PrePullReason.NoTargetNodes));
        Conditions.IsTrue(nowhere.Status.Conditions, "Degraded").Should().BeFalse();
    }

    [Fact]
    public void The_same_inputs_later_give_an_equal_status_and_the_old_progressing_condition_goes()
    {
        var targets = new[] { Node("n1", NodePhase.Pulling) };
        var first = PrePullStatusBuilder.Build(1, null, Resolved(), targets, [], new HashSet<string> { "n1" }, T0).Status;
        first.Conditions!.Add(new k8s.Models.V1Condition { Type = "Progressing", Status = "True" });
        var later = Resolved();
        later[0].ResolvedAt = T0.AddMinutes(5).UtcDateTime;
        var second = PrePullStatusBuilder.Build(1, first, later, targets, [], new HashSet<string> { "n1" }, T0.AddMinutes(5)).Status;
        second.Conditions.Should().NotContain(c => c.Type == "Progressing");
        first.Conditions.RemoveAll(c => c.Type == "Progressing");
        PrePullStatusValue.Comparer.Equals(first, second).Should().BeTrue("nothing changed but the clock");
        second.ReadyNodes = 1;
        PrePullStatusValue.Comparer.Equals(first, second).Should().BeFalse();
    }
}
