using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Longshore.Api.Tests;

public sealed class ParserTests
{
    [Theory]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("45s", 45)]
    [InlineData("1.5h", 5400)]
    [InlineData("250ms", 0.25)]
    public void Go_durations(string text, double seconds) => GoDuration.Parse(text).TotalSeconds.Should().BeApproximately(seconds, 1e-9);

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("10", "without a unit")]
    [InlineData("5d", "unknown unit 'd'")]
    [InlineData("m5", "not a duration")]
    public void Bad_durations(string text, string message)
    {
        GoDuration.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Contain(message);
    }

    [Property]
    public Property Durations_written_in_hours_minutes_seconds_round_trip() => Prop.ForAll(
        Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(0, 59).ToArbitrary(), Gen.Choose(1, 59).ToArbitrary(),
        (h, m, s) => GoDuration.Parse($"{h}h{m}m{s}s") == new TimeSpan(h, m, s));

    [Theory]
    [InlineData("*/15 * * * *")]
    [InlineData("0 3 * * MON-FRI")]
    [InlineData("30 3 1,15 JAN,jul *")]
    [InlineData("0 0 ? * 0")]
    [InlineData("0-59/5 0-23 1-31 1-12 0-7")]
    [InlineData("@daily")]
    [InlineData("@hourly")]
    public void Valid_cron(string schedule) => CronSchedule.Validate(schedule).Should().BeNull();

    [Theory]
    [InlineData("60 * * * *", "minute field '60'")]
    [InlineData("* 24 * * *", "hour field '24'")]
    [InlineData("* * 0 * *", "day of month field '0'")]
    [InlineData("* * * 13 *", "month field '13'")]
    [InlineData("* * * * 8", "day of week field '8'")]
    [InlineData("*/0 * * * *", "step '0'")]
    [InlineData("5-1 * * * *", "ends before it starts")]
    [InlineData("* * * * * *", "has 6 fields")]
    [InlineData("TZ=UTC 0 * * * *", "use the timeZone field")]
    public void Invalid_cron_says_which_field(string schedule, string message) => CronSchedule.Validate(schedule).Should().Contain(message);

    [Theory]
    [InlineData("30 4 * * 1", "0 30 4 ? * 2")]
    [InlineData("0 0 * * 0", "0 0 0 ? * 1")]
    [InlineData("0 0 * * 7", "0 0 0 ? * 1")]
    [InlineData("0 0 * * */2", "0 0 0 ? * 1,3,5,7")]
    [InlineData("0 0 * * MON-FRI", "0 0 0 ? * 2,3,4,5,6")]
    [InlineData("5/20 * * * *", "0 5,25,45 * * * ?")]
    [InlineData("*/15 * * * *", "0 0,15,30,45 * * * ?")]
    [InlineData("0 0 1,15 * MON", "0 0 0 1,15 * 2")]
    [InlineData("0 0 ? * ?", "0 0 0 * * ?")]
    [InlineData("0 12 * JAN,jul *", "0 0 12 * 1,7 ?")]
    [InlineData("@weekly", "0 0 0 ? * 1")]
    [InlineData("@midnight", "0 0 0 * * ?")]
    [InlineData("@annually", "0 0 0 1 1 ?")]
    public void CronJob_schedules_become_the_Quartz_expressions_that_mean_the_same(string schedule, string quartz) =>
        CronSchedule.Parse(schedule).QuartzExpression.Should().Be(quartz);

    [Fact]
    public void Two_restricting_day_fields_run_on_a_day_either_names_as_in_CronJob()
    {
        // Every Friday and every 13th.
        var schedule = CronSchedule.Parse("0 0 13 * 5");
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var days = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            at = schedule.NextAfter(at)!.Value;
            days.Add(at.Day);
        }

        days.Should().Equal(6, 13, 20, 27, 4);
    }

    [Theory]
    [InlineData("0 0 30 2 *", "never matches a date")]
    [InlineData("@fortnightly", "not a known macro")]
    [InlineData("", "is empty")]
    [InlineData("0 0 * * 1-8", "day of week field '1-8'")]
    public void Schedules_that_cannot_run_say_why(string schedule, string message) => CronSchedule.Validate(schedule).Should().Contain(message);

    [Fact]
    public void An_unknown_time_zone_is_refused()
    {
        CronSchedule.TryParse("0 3 * * *", "Mars/Olympus", out _, out var error).Should().BeFalse();
        error.Should().Contain("'Mars/Olympus' is not a known IANA time zone");
        CronSchedule.Parse("0 3 * * *", "Europe/Berlin").TimeZone.Id.Should().Be("Europe/Berlin");
    }

    [Property]
    public Property Any_in_range_minute_and_hour_are_valid() => Prop.ForAll(
        Gen.Choose(0, 59).ToArbitrary(), Gen.Choose(0, 23).ToArbitrary(),
        (minute, hour) => CronSchedule.Validate($"{minute} {hour} * * *") is null);

    [Theory]
    [InlineData(">=1.4.0 <2.0.0")]
    [InlineData("~1.4")]
    [InlineData("^2")]
    [InlineData("1.x || >=3.1.0")]
    [InlineData("1.2.3 - 2.3.4")]
    public void Valid_semver_ranges(string range) => SemverRange.Validate(range).Should().BeNull();

    [Theory]
    [InlineData("latest")]
    [InlineData(">= 1.0")]
    [InlineData("1.2.3.4")]
    public void Invalid_semver_ranges(string range) => SemverRange.Validate(range).Should().NotBeNull();
}
