namespace Longshore.Api.Tests;

public sealed class SameImageTests
{
    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("127.0.0.1:5000/shared/app", "127.0.0.1:5000/shared/app:latest")]
    public void Spellings_of_one_image_have_one_key(string written, string full)
    {
        SameImage.Key(written).Should().Be(SameImage.Key(full));
        SameImage.Key(written).Should().Be(full, "asked again, the remembered key is the same");
    }

    [Fact]
    public void Text_that_is_no_reference_is_its_own_key() => SameImage.Key("Not A Reference").Should().Be("Not A Reference");
}
