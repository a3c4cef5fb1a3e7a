using k8s.Models;

namespace Longshore.Kube.Tests;

/// <summary>The conditions helper against the kstatus rules Flux and kubectl wait apply.</summary>
public sealed class KStatusTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Progress.Current)]
    [InlineData(Progress.InProgress)]
    [InlineData(Progress.Failed)]
    public void Applied_progress_is_what_kstatus_reads(Progress progress)
    {
        var conditions = new List<V1Condition>();
        KStatus.Apply(conditions, progress, "Reason", "message", 3, T0);
        KStatus.Read(generation: 3, observedGeneration: 3, conditions).Should().Be(progress);
    }

    [Fact]
    public void Ready_is_true_only_when_current_and_abnormal_conditions_exist_only_while_true()
    {
        var conditions = new List<V1Condition>();
        KStatus.Apply(conditions, Progress.InProgress, "Pulling", "1/3 nodes", 1, T0);
        conditions.Select(c => (c.Type, c.Status)).Should().BeEquivalentTo([("Ready", "False"), ("Reconciling", "True")]);

        KStatus.Apply(conditions, Progress.Failed, "PullFailed", "node-1: not found", 1, T0);
        conditions.Select(c => (c.Type, c.Status)).Should().BeEquivalentTo([("Ready", "False"), ("Stalled", "True")]);
        conditions.Single(c => c.Type == "Stalled").Reason.Should().Be("PullFailed");

        KStatus.Apply(conditions, Progress.Current, "AllNodesReady", "3/3 nodes", 2, T0.AddMinutes(1));
        conditions.Should().ContainSingle().Which.Should().Match<V1Condition>(c => c.Type == "Ready" && c.Status == "True" && c.ObservedGeneration == 2 && c.LastTransitionTime == T0.AddMinutes(1).UtcDateTime);
    }

    [Fact]
    public void Applying_the_same_verdict_again_changes_nothing()
    {
        var conditions = new List<V1Condition>();
        KStatus.Apply(conditions, Progress.InProgress, "Pulling", "1/3", 1, T0).Should().BeTrue();
        KStatus.Apply(conditions, Progress.InProgress, "Pulling", "1/3", 1, T0.AddMinutes(5)).Should().BeFalse();
        conditions.Should().OnlyContain(c => c.LastTransitionTime == T0.UtcDateTime);
    }

    [Fact]
    public void A_status_about_an_older_generation_is_in_progress_whatever_its_conditions_say()
    {
        var conditions = new List<V1Condition>();
        KStatus.Apply(conditions, Progress.Current, "AllNodesReady", "done", 1, T0);
        KStatus.Read(generation: 2, observedGeneration: 1, conditions).Should().Be(Progress.InProgress);
        KStatus.Apply(conditions, Progress.Failed, "PullFailed", "x", 1, T0);
        KStatus.Read(generation: 2, observedGeneration: 1, conditions).Should().Be(Progress.InProgress);
    }

    [Fact]
    public void Reconciling_wins_over_stalled_as_in_kstatus()
    {
        var conditions = new List<V1Condition>
        {
            new() { Type = "Reconciling", Status = "True" },
            new() { Type = "Stalled", Status = "True" },
        };
        KStatus.Read(1, 1, conditions).Should().Be(Progress.InProgress);
        KStatus.Read(1, 1, [new V1Condition { Type = "Stalled", Status = "False" }, new V1Condition { Type = "Ready", Status = "False" }]).Should().Be(Progress.Current, "kstatus reads only the abnormal-true conditions");
    }
}
