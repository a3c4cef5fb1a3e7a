namespace Longshore.Kube.Tests;

public sealed class BackoffTests
{
    [Fact]
    public void Doubles_from_the_initial_delay_up_to_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        Enumerable.Range(0, 7).Select(n => backoff.Delay(n).TotalMilliseconds).Should().Equal(0, 100, 200, 400, 800, 1000, 1000);
        backoff.Delay(int.MaxValue).Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Jitter_stays_between_the_delay_and_its_fraction_on_top_and_under_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), Jitter: 0.5);
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(_ => backoff.Delay(2, random)).ToList();
        delays.Should().OnlyContain(d => d >= TimeSpan.FromSeconds(2) && d <= TimeSpan.FromSeconds(3));
        delays.Distinct().Count().Should().BeGreaterThan(1);
        Enumerable.Range(0, 50).Select(_ => backoff.Delay(10, random)).Should().OnlyContain(d => d == TimeSpan.FromSeconds(5));
    }
}
