namespace Longshore.Operator.Tests;

public sealed class SemverTagsTests
{
    private static readonly string[] Tags = ["latest", "1.3.9", "1.4.0", "v1.4.2", "1.4.10", "1.5.0-rc.1", "2.0.0", "1.4", "sha-abc", "1.4.3+build.7"];

    [Theory]
    [InlineData(">=1.4.0 <2.0.0", "1.4.10")]
    [InlineData("~1.4.0", "1.4.10")]
    [InlineData("^1.0.0", "1.4.10")]
    [InlineData("1.3.x", "1.3.9")]
    [InlineData(">=2.0.0", "2.0.0")]
    [InlineData("1.4.0 - 1.4.5", "1.4.3+build.7")]
    [InlineData("<1.4.0 || >=1.4.2 <1.4.3", "v1.4.2")]
    public void Highest_tag_in_range_wins(string range, string expected) =>
        SemverTags.Highest(range, Tags).Should().Be(expected);

    [Fact]
    public void Pre_releases_count_only_when_the_range_names_one()
    {
        SemverTags.Highest(">=1.5.0-rc.0 <2.0.0", Tags).Should().Be("1.5.0-rc.1");
        SemverTags.Highest(">=1.5.0-0 <2.0.0", ["1.5.0-rc.1", "1.6.0-beta"]).Should().Be("1.5.0-rc.1", "a pre-release of another version is out of range");
        SemverTags.Highest("^1.4.0", ["1.4.0", "1.5.0-rc.1"]).Should().Be("1.4.0");
    }

    [Fact]
    public void No_tag_in_range_is_null() => SemverTags.Highest(">=3.0.0", Tags).Should().BeNull();

    [Fact]
    public void Equal_versions_pick_one_tag_whatever_the_order()
    {
        SemverTags.Highest("^1", ["v1.2.3", "1.2.3"]).Should().Be("1.2.3");
        SemverTags.Highest("^1", ["1.2.3", "v1.2.3"]).Should().Be("1.2.3");
    }
}
