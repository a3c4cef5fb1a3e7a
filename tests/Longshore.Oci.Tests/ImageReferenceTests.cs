using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("alpine", "docker.io/library/alpine:latest", "alpine:latest")]
    [InlineData("alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19")]
    [InlineData("library/alpine", "docker.io/library/alpine:latest", "alpine:latest")]
    [InlineData("index.docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest")]
    [InlineData("docker.io/user/app:v1", "docker.io/user/app:v1", "user/app:v1")]
    [InlineData("user/app", "docker.io/user/app:latest", "user/app:latest")]
    [InlineData("localhost/app", "localhost/app:latest", "localhost/app:latest")]
    [InlineData("localhost:5000/a/b/c:tag", "localhost:5000/a/b/c:tag", "localhost:5000/a/b/c:tag")]
    [InlineData("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest")]
    [InlineData("ghcr.io/org/team/img:1.0-rc.1", "ghcr.io/org/team/img:1.0-rc.1", "ghcr.io/org/team/img:1.0-rc.1")]
    [InlineData("Registry.Example.com/app", "Registry.Example.com/app:latest", "Registry.Example.com/app:latest")]
    [InlineData("a__b-c_d---e/f.g", "docker.io/a__b-c_d---e/f.g:latest", "a__b-c_d---e/f.g:latest")]
    [InlineData("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest")]
    public void Normalises_like_docker(string input, string full, string familiar)
    {
        var reference = ImageReference.Parse(input);
        reference.ToString().Should().Be(full);
        reference.Familiar.Should().Be(familiar);
    }

    [Fact]
    public void Keeps_tag_and_digest_together()
    {
        var digest = "sha256:" + new string('a', 64);
        var reference = ImageReference.Parse($"alpine:3.19@{digest}");
        reference.Tag.Should().Be("3.19");
        reference.Digest.Should().Be(Digest.Parse(digest));
        reference.Identifier.Should().Be(digest);
        reference.ToString().Should().Be($"docker.io/library/alpine:3.19@{digest}");
    }

    [Fact]
    public void Digest_only_reference_gets_no_default_tag()
    {
        var digest = "sha256:" + new string('b', 64);
        var reference = ImageReference.Parse($"127.0.0.1:5000/app@{digest}");
        reference.Tag.Should().BeNull();
        reference.Familiar.Should().Be($"127.0.0.1:5000/app@{digest}");
    }

    [Fact]
    public void Port_is_not_mistaken_for_a_tag()
    {
        var reference = ImageReference.Parse("localhost:5000/app");
        reference.Domain.Should().Be("localhost:5000");
        reference.Tag.Should().Be("latest");
    }

    [Fact]
    public void Tag_may_be_128_characters_but_not_129()
    {
        ImageReference.Parse("app:" + new string('t', 128)).Tag.Should().HaveLength(128);
        var act = () => ImageReference.Parse("app:" + new string('t', 129));
        act.Should().Throw<OciFormatException>().Which.Part.Should().Be("tag");
    }

    [Theory]
    [InlineData("", "reference")]
    [InlineData("Alpine", "repository path component")]
    [InlineData("docker.io/Library/alpine", "repository path component")]
    [InlineData("app:-bad", "tag")]
    [InlineData("app:.bad", "tag")]
    [InlineData("app:bad!", "tag")]
    [InlineData("app@sha256:abc", "digest")]
    [InlineData("app@md5:" + "d41d8cd98f00b204e9800998ecf8427e", "digest")]
    [InlineData("app@sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", "digest")]
    [InlineData("a//b", "repository path component")]
    [InlineData("a/b/", "repository path component")]
    [InlineData("app-/x", "repository path component")]
    [InlineData("a..b/c", "registry host")]
    [InlineData("host:99999/app", "registry port")]
    [InlineData("host:/app", "registry port")]
    [InlineData("-host.com/app", "registry host")]
    [InlineData("app with space", "reference")]
    [InlineData(":tag", "repository")]
    public void Rejects_malformed_references_naming_the_part(string input, string part)
    {
        var act = () => ImageReference.Parse(input);
        var error = act.Should().Throw<OciFormatException>().Which;
        error.Part.Should().Be(part);
        error.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Uppercase_repository_message_says_lowercase()
    {
        var act = () => ImageReference.Parse("MyApp");
        act.Should().Throw<OciFormatException>().WithMessage("*must be lowercase*");
    }

    [Fact]
    public void Rejects_names_longer_than_255_characters()
    {
        var act = () => ImageReference.Parse("example.com/" + new string('a', 250));
        act.Should().Throw<OciFormatException>().Which.Part.Should().Be("repository");
    }

    [Fact]
    public void Without_default_tag_keeps_tag_missing()
    {
        ImageReference.Parse("alpine", defaultTag: false).Tag.Should().BeNull();
    }

    [Fact]
    public void Familiar_keeps_library_for_nested_paths()
    {
        ImageReference.Parse("library/a/b").Familiar.Should().Be("library/a/b:latest");
    }

    [Fact]
    public void TryParse_reports_failure_without_throwing()
    {
        ImageReference.TryParse("UPPER", out var r).Should().BeFalse();
        r.Should().BeNull();
        ImageReference.TryParse("ok", out r).Should().BeTrue();
        r!.Path.Should().Be("library/ok");
    }
}
