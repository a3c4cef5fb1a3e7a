using Longshore.Api;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Operator.Tests;

/// <summary>CronJob's rules on a fake clock: what runs, when, across time zones, daylight saving changes, outages and deadlines.</summary>
public sealed class PruneScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>
    /// Plays the controller: at each wake-up, evaluate from what the status holds, start the due run (recording its
    /// scheduled time as lastScheduleTime), and sleep until the next scheduled time; returns the runs' scheduled times.
    /// </summary>
    private static List<DateTimeOffset> Simulate(CronSchedule schedule, FakeTimeProvider clock, DateTimeOffset until, DateTimeOffset created, long? deadline = null)
    {
        var runs = new List<DateTimeOffset>();
        DateTimeOffset? last = null;
        while (clock.GetUtcNow() < until)
        {
            var decision = PruneSchedule.Evaluate(schedule, created, last, deadline, clock.GetUtcNow());
            if (decision.Due is { } due)
            {
                runs.Add(due);
                last = due;
            }

            clock.SetUtcNow(decision.Next!.Value);
        }

        return runs;
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    [Fact]
    public void A_daily_schedule_runs_once_a_day_and_not_before_the_object_existed()
    {
        var created = Utc("2026-12-01T03:30:00Z");
        var clock = new FakeTimeProvider(created);
        var runs = Simulate(CronSchedule.Parse("0 3 * * *"), clock, Utc("2026-12-04T12:00:00Z"), created);
        runs.Should().Equal(Utc("2026-12-02T03:00:00Z"), Utc("2026-12-03T03:00:00Z"), Utc("2026-12-04T03:00:00Z"));
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-12-02T02:30:00Z")]
    [InlineData("America/New_York", "2026-12-02T08:30:00Z")]
    [InlineData("Asia/Kolkata", "2026-12-01T22:00:00Z")]
    [InlineData(null, "2026-12-02T03:30:00Z")]
    public void The_schedule_is_read_in_its_time_zone(string? zone, string expected)
    {
        var decision = PruneSchedule.Evaluate(CronSchedule.Parse("30 3 * * *", zone), Utc("2026-12-01T12:00:00Z"), null, null, Utc("2026-12-01T12:00:00Z"));
        decision.Due.Should().BeNull();
        decision.Next.Should().Be(Utc(expected));
    }

    [Fact]
    public void Across_spring_forward_a_time_the_clocks_skip_runs_once_when_they_jump()
    {
        var created = Utc("2026-03-27T12:00:00Z");
        var clock = new FakeTimeProvider(created);
        var runs = Simulate(CronSchedule.Parse("30 2 * * *", "Europe/Berlin"), clock, Utc("2026-03-31T12:00:00Z"), created);
        runs.Select(r => TimeZoneInfo.ConvertTime(r, Berlin).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(
            "2026-03-28 02:30 +01:00",
            "2026-03-29 03:00 +02:00",
            "2026-03-30 02:30 +02:00",
            "2026-03-31 02:30 +02:00");
    }

    [Fact]
    public void Across_fall_back_a_time_that_occurs_twice_runs_once()
    {
        var created = Utc("2026-10-23T12:00:00Z");
        var clock = new FakeTimeProvider(created);
        var runs = Simulate(CronSchedule.Parse("30 2 * * *", "Europe/Berlin"), clock, Utc("2026-10-26T12:00:00Z"), created);
        runs.Should().Equal(Utc("2026-10-24T00:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z"));
    }

    [Fact]
    public void Across_fall_back_an_interval_schedule_runs_through_both_passes_of_the_repeated_hour()
    {
        var created = Utc("2026-10-24T23:50:00Z");
        var clock = new FakeTimeProvider(created);
        var runs = Simulate(CronSchedule.Parse("*/30 * * * *", "Europe/Berlin"), clock, Utc("2026-10-25T02:10:00Z"), created);
        // 02:00 and 02:30 summer time, then 02:00 and 02:30 winter time: every half hour of real time.
        runs.Should().Equal(Enumerable.Range(0, 5).Select(i => Utc("2026-10-25T00:00:00Z").AddMinutes(30 * i)));
    }

    [Fact]
    public void Runs_missed_while_the_operator_was_down_start_once_then_the_schedule_resumes()
    {
        var schedule = CronSchedule.Parse("@hourly");
        var created = Utc("2026-12-01T00:00:00Z");
        var last = Utc("2026-12-02T02:00:00Z");
        var back = Utc("2026-12-04T10:20:00Z");
        var decision = PruneSchedule.Evaluate(schedule, created, last, null, back);
        decision.Due.Should().Be(Utc("2026-12-04T10:00:00Z"), "the latest missed time runs, once, whatever the number missed");
        decision.Next.Should().Be(Utc("2026-12-04T11:00:00Z"));
        PruneSchedule.Evaluate(schedule, created, decision.Due, null, back.AddMinutes(1)).Due.Should().BeNull("the run is recorded: a restart does not repeat it");
    }

    [Theory]
    [InlineData("2026-12-04T10:05:00Z", true)]
    [InlineData("2026-12-04T10:10:00Z", true)]
    [InlineData("2026-12-04T10:10:01Z", false)]
    [InlineData("2026-12-04T10:59:59Z", false)]
    public void A_missed_run_starts_only_within_the_starting_deadline(string now, bool runs)
    {
        var decision = PruneSchedule.Evaluate(CronSchedule.Parse("0 * * * *"), Utc("2026-12-01T00:00:00Z"), Utc("2026-12-02T02:00:00Z"), 600, Utc(now));
        if (runs)
        {
            decision.Due.Should().Be(Utc("2026-12-04T10:00:00Z"));
            decision.Missed.Should().BeNull();
        }
        else
        {
            decision.Due.Should().BeNull();
            decision.Missed.Should().Be(Utc("2026-12-04T10:00:00Z"), "it is reported as skipped");
        }

        decision.Next.Should().Be(Utc("2026-12-04T11:00:00Z"));
    }

    [Fact]
    public void A_run_is_due_at_its_exact_time_and_not_a_moment_before()
    {
        var schedule = CronSchedule.Parse("15 4 * * *");
        var created = Utc("2026-12-01T00:00:00Z");
        PruneSchedule.Evaluate(schedule, created, null, null, Utc("2026-12-01T04:14:59.999Z")).Due.Should().BeNull();
        PruneSchedule.Evaluate(schedule, created, null, null, Utc("2026-12-01T04:15:00Z")).Due.Should().Be(Utc("2026-12-01T04:15:00Z"));
    }

    [Fact]
    public void The_leaders_wake_up_follows_schedule_and_time_zone_and_none_while_suspended_or_unreadable()
    {
        static V1Alpha1ImagePrune Prune(string schedule, string? timeZone = null, bool suspend = false) =>
            new() { Metadata = new k8s.Models.V1ObjectMeta { Name = "p" }, Spec = new ImagePruneSpec { Schedule = schedule, TimeZone = timeZone, Suspend = suspend } };

        var berlin = PruneSchedule.WakeupOf(Prune("30 2 * * 0", "Europe/Berlin"))!;
        (berlin.QuartzExpression, berlin.TimeZone).Should().Be(("0 30 2 ? * 1", Berlin));
        PruneSchedule.WakeupOf(Prune("@hourly"))!.TimeZone.Should().Be(TimeZoneInfo.Utc);
        PruneSchedule.WakeupOf(Prune("@hourly", suspend: true)).Should().BeNull();
        PruneSchedule.WakeupOf(Prune("61 * * * *")).Should().BeNull();
        PruneSchedule.WakeupOf(Prune("@hourly", "Mars/Olympus")).Should().BeNull();
    }
}
