using System.Text;
using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class DigestTests
{
    [Fact]
    public void Computes_sha256_of_content()
    {
        Digest.Compute(Encoding.UTF8.GetBytes("hello")).ToString()
            .Should().Be("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    }

    [Fact]
    public async Task Computes_sha512_from_stream()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("hello"));
        var digest = await Digest.ComputeAsync(stream, Digest.Sha512);
        digest.Algorithm.Should().Be("sha512");
        digest.Hex.Should().HaveLength(128).And.StartWith("9b71d224bd62f378");
    }

    [Theory]
    [InlineData("sha256", "digest '*' has no algorithm*")]
    [InlineData("sha256:", "*has 0 hex characters: sha256 needs 64")]
    [InlineData("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "*unsupported algorithm 'sha1'*")]
    [InlineData("sha256:zzf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "*contains 'z'*")]
    public void Rejects_malformed_digests_with_reason(string input, string message)
    {
        var act = () => Digest.Parse(input);
        act.Should().Throw<OciFormatException>().WithMessage(message);
    }

    [Fact]
    public void Incremental_hasher_matches_one_shot()
    {
        var data = Encoding.UTF8.GetBytes("layer content");
        var expected = Digest.Compute(data);
        using var hasher = expected.CreateHasher();
        hasher.AppendData(data.AsSpan(0, 5));
        hasher.AppendData(data.AsSpan(5));
        expected.FromHasher(hasher).Should().Be(expected);
        expected.Short.Should().HaveLength(12);
    }
}
