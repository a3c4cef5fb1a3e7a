using System.Text;
using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class DockerConfigTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Reads_auth_username_password_and_tokens()
    {
        var json = $$$"""
            {"auths":{
              "https://index.docker.io/v1/":{"auth":"{{{B64("hubuser:hub:pass")}}}"},
              "127.0.0.1:5000":{"username":"alice","password":"s3cret"},
              "ghcr.io":{"identitytoken":"refresh-me"},
              "quay.io":{"registrytoken":"bearer-token"}
            }}
            """;
        var config = DockerConfig.Parse(json);
        config.Find("docker.io")!.Password.Should().Be("hub:pass", "only the first colon separates user from password");
        config.Find("registry-1.docker.io")!.Username.Should().Be("hubuser");
        config.Find("http://127.0.0.1:5000/v2/")!.Username.Should().Be("alice");
        config.Find("ghcr.io")!.IdentityToken.Should().Be("refresh-me");
        config.Find("quay.io")!.RegistryToken.Should().Be("bearer-token");
        config.Find("example.com").Should().BeNull();
    }

    [Fact]
    public void Round_trips_through_config_json_form()
    {
        var config = DockerConfig.Empty.With("127.0.0.1:5000", new RegistryCredential { Username = "bob", Password = "pw" });
        var again = DockerConfig.Parse(config.ToJson());
        again.Find("127.0.0.1:5000")!.Password.Should().Be("pw");
        again.Without("127.0.0.1:5000").Find("127.0.0.1:5000").Should().BeNull();
    }

    [Fact]
    public void Credential_text_never_shows_secrets()
    {
        var credential = new RegistryCredential { Username = "bob", Password = "hunter2", IdentityToken = "tok" };
        credential.ToString().Should().NotContain("hunter2").And.NotContain("tok}");
    }

    [Theory]
    [InlineData("""{"auths":{"x":{"auth":"%%%"}}}""", "*not valid base64*")]
    [InlineData("""{"auths":{"x":{"auth":"bm9jb2xvbg=="}}}""", "*user:password*")]
    [InlineData("""{"auths":{"x":"str"}}""", "*must be an object*")]
    [InlineData("{", "*not valid JSON*")]
    public void Rejects_bad_files_naming_the_entry(string json, string message)
    {
        var act = () => DockerConfig.Parse(json);
        act.Should().Throw<OciFormatException>().WithMessage(message);
    }

    [Fact]
    public void Reads_legacy_dockercfg_top_level_entries()
    {
        var config = DockerConfig.Parse("{\"registry.example.com\":{\"auth\":\"" + B64("u:p") + "\"}}");
        config.Find("registry.example.com")!.Username.Should().Be("u");
    }
}
