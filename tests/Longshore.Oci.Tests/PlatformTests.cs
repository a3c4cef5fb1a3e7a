using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class PlatformTests
{
    [Theory]
    [InlineData("linux/arm64", "linux/arm64/v8", true)]
    [InlineData("linux/arm64/v8", "linux/arm64", true)]
    [InlineData("linux/aarch64", "linux/arm64", true)]
    [InlineData("linux/arm/v7", "linux/arm/v7", true)]
    [InlineData("linux/arm", "linux/arm/v7", true)]
    [InlineData("linux/arm/v7", "linux/arm/v6", false)]
    [InlineData("linux/amd64", "linux/arm64", false)]
    [InlineData("linux/amd64", "windows/amd64", false)]
    [InlineData("linux/x86_64", "linux/amd64", true)]
    public void Matches_like_containerd(string wanted, string offered, bool matches)
    {
        Platform.Parse(wanted).Matches(Platform.Parse(offered)).Should().Be(matches);
    }

    [Theory]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("arm64", "linux/arm64")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("LINUX/AMD64", "linux/amd64")]
    public void Normalises(string input, string expected) => Platform.Parse(input).ToString().Should().Be(expected);

    [Theory]
    [InlineData("linux/")]
    [InlineData("a/b/c/d")]
    [InlineData("linux/am d64")]
    public void Rejects_malformed(string input)
    {
        var act = () => Platform.Parse(input);
        act.Should().Throw<OciFormatException>().Which.Part.Should().Be("platform");
    }
}
