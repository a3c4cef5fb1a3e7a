using Longshore.TestBed;
namespace Longshore.Testing.Tests;

public sealed class PollTests
{
    [Fact]
    public async Task Returns_the_first_value_the_probe_gives()
    {
        var calls = 0;
        var value = await Poll.UntilAsync(() => Task.FromResult(++calls >= 3 ? $"after {calls}" : null), "the third call", seconds: 5, intervalMilliseconds: 1);
        value.Should().Be("after 3");
    }

    [Fact]
    public async Task Times_out_naming_what_it_waited_for()
    {
        var act = () => Poll.UntilAsync(() => false, "pigs fly", seconds: 0, intervalMilliseconds: 1);
        (await act.Should().ThrowAsync<TimeoutException>()).WithMessage("*waiting until pigs fly");
    }
}
