using Longshore.Agent;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Agent.Tests;

public sealed class RuntimeHealthTests
{
    [Fact]
    public void Liveness_fails_only_after_the_threshold_of_failures_in_a_row()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var health = new RuntimeHealth(3, time);
        health.Up.Should().BeFalse("nothing has been checked yet");
        health.IsLive.Should().BeTrue("an agent starting up is not restarted before it has checked");

        health.Failed("connection refused").Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(10));
        health.Failed("connection refused").Should().Be(2);
        health.IsLive.Should().BeTrue();
        health.FailingSince.Should().Be(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        health.Failed("no such file").Should().Be(3);
        health.IsLive.Should().BeFalse();
        health.LastError.Should().Be("no such file");
        health.Up.Should().BeFalse();
    }

    [Fact]
    public void One_success_clears_the_run_of_failures()
    {
        var time = new FakeTimeProvider();
        var health = new RuntimeHealth(2, time);
        health.Failed("refused");
        health.Succeeded();
        health.Failed("refused");
        health.IsLive.Should().BeTrue("the failures were not in a row");
        health.Succeeded();
        health.Up.Should().BeTrue();
        health.ConsecutiveFailures.Should().Be(0);
        health.FailingSince.Should().BeNull();
        health.LastError.Should().BeNull();
    }

    [Fact]
    public void A_threshold_below_one_is_refused()
    {
        var create = () => new RuntimeHealth(0, TimeProvider.System);
        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
