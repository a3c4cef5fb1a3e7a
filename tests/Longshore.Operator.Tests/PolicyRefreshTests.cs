using k8s;
using k8s.Models;
using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class PolicyRefreshTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 10, 30, TimeSpan.Zero);

    private static V1Alpha1ImagePolicy Policy(long generation, ImagePolicyStatus? status, string? requested = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "p",
            NamespaceProperty = "ns",
            Generation = generation,
            Annotations = requested is null ? null : new Dictionary<string, string> { [PolicyRefresh.Annotation] = requested },
        },
        Status = status,
    };

    private static ImagePolicyStatus Refreshed(long generation, DateTimeOffset next, string? handled = null) =>
        new() { ObservedGeneration = generation, LastRefreshTime = T0.AddMinutes(-10).UtcDateTime, NextRefreshTime = next.UtcDateTime, LastHandledRefreshRequest = handled };

    [Fact]
    public void Due_on_first_sight_spec_change_schedule_and_a_new_refresh_request_only()
    {
        PolicyRefresh.IsDue(Policy(1, null), T0).Should().BeTrue();
        PolicyRefresh.IsDue(Policy(2, Refreshed(1, T0.AddHours(1))), T0).Should().BeTrue("the spec changed");
        PolicyRefresh.IsDue(Policy(1, Refreshed(1, T0.AddHours(1))), T0).Should().BeFalse();
        PolicyRefresh.IsDue(Policy(1, Refreshed(1, T0)), T0).Should().BeTrue("the schedule came due");
        PolicyRefresh.IsDue(Policy(1, Refreshed(1, T0.AddHours(1), handled: "a"), requested: "b"), T0).Should().BeTrue();
        PolicyRefresh.IsDue(Policy(1, Refreshed(1, T0.AddHours(1), handled: "b"), requested: "b"), T0).Should().BeFalse("that request was handled");
    }

    [Fact]
    public void Next_follows_the_schedule_in_its_time_zone_and_comes_sooner_after_a_failure()
    {
        var spec = new ImagePolicySpec { RefreshSchedule = "0 3 * * *", TimeZone = "Europe/Berlin" };
        PolicyRefresh.Next(spec, T0, failed: false).Should().Be(new DateTime(2026, 3, 2, 2, 0, 0, DateTimeKind.Utc), "03:00 in Berlin in winter is 02:00 UTC");
        PolicyRefresh.Next(spec, T0, failed: true).Should().Be(new DateTime(2026, 3, 1, 12, 11, 30, DateTimeKind.Utc));
        PolicyRefresh.Next(new ImagePolicySpec { RefreshSchedule = "@hourly" }, T0, failed: true).Should().Be(new DateTime(2026, 3, 1, 12, 11, 30, DateTimeKind.Utc));
        PolicyRefresh.Next(new ImagePolicySpec { RefreshSchedule = "*/15 * * * *" }, T0, failed: false).Should().Be(new DateTime(2026, 3, 1, 12, 15, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void Pod_status_churn_does_not_requeue_but_images_labels_and_phase_do()
    {
        static V1Pod Pod(string? imageId = "reg/app@sha256:1", bool ready = true, string phase = "Running", string label = "web") => new()
        {
            Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = label } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "reg/app:1" }] },
            Status = new V1PodStatus { Phase = phase, ContainerStatuses = [new V1ContainerStatus { Name = "main", Image = "reg/app:1", ImageID = imageId, Ready = ready, RestartCount = ready ? 0 : 1 }] },
        };

        static bool Changed(V1Pod before, V1Pod after) => ImagePolicyReconciler.PodChanged(new Kube.ObjectEvent<V1Pod>(WatchEventType.Modified, after, before));

        Changed(Pod(), Pod(ready: false)).Should().BeFalse();
        Changed(Pod(), Pod(imageId: "reg/app@sha256:2")).Should().BeTrue();
        Changed(Pod(), Pod(label: "batch")).Should().BeTrue();
        Changed(Pod(), Pod(phase: "Succeeded")).Should().BeTrue();
    }

    [Fact]
    public void The_leaders_wake_up_follows_refreshSchedule_in_its_time_zone()
    {
        var policy = Policy(1, null);
        policy.Spec = new ImagePolicySpec { RefreshSchedule = "0 3 * * 1", TimeZone = "America/New_York" };
        var schedule = PolicyRefresh.ScheduleOf(policy)!;
        (schedule.QuartzExpression, schedule.TimeZone.Id).Should().Be(("0 0 3 ? * 2", "America/New_York"));
        policy.Spec.RefreshSchedule = "every hour";
        PolicyRefresh.ScheduleOf(policy).Should().BeNull();
    }
}
