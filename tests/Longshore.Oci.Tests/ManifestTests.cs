using System.Text;
using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class ManifestTests
{
    private const string Config = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";
    private const string Layer1 = "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";
    private const string Layer2 = "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b";

    private static readonly string DockerManifest = $$$"""
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"{{{Config}}}"},
         "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"{{{Layer1}}}"},
                   {"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","size":16724,"digest":"{{{Layer2}}}"}]}
        """;

    private static readonly string Index = $$$"""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7143,"digest":"{{{Layer1}}}","platform":{"architecture":"amd64","os":"linux"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,"digest":"{{{Layer2}}}","platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7682,"digest":"{{{Config}}}","platform":{"architecture":"arm","os":"linux","variant":"v7"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":100,"digest":"{{{Config}}}","platform":{"architecture":"unknown","os":"unknown"},
           "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}
        """;

    [Fact]
    public void Parses_docker_manifest_and_layer_compression()
    {
        var document = ManifestDocument.Parse(Encoding.UTF8.GetBytes(DockerManifest));
        document.IsIndex.Should().BeFalse();
        document.MediaType.Should().Be(MediaTypes.DockerManifest);
        var manifest = document.Manifest!;
        manifest.Config.Digest.ToString().Should().Be(Config);
        manifest.Layers.Select(l => MediaTypes.CompressionOf(l.MediaType)).Should().Equal(LayerCompression.Gzip, LayerCompression.Zstd);
        manifest.ContentSize.Should().Be(7023 + 32654 + 16724);
        document.Digest.Should().Be(Digest.Compute(Encoding.UTF8.GetBytes(DockerManifest)));
    }

    [Theory]
    [InlineData("linux/amd64", Layer1)]
    [InlineData("linux/arm64", Layer2)]
    [InlineData("linux/arm64/v8", Layer2)]
    [InlineData("linux/arm/v7", Config)]
    public void Index_picks_the_platform(string platform, string digest)
    {
        var document = ManifestDocument.Parse(Encoding.UTF8.GetBytes(Index));
        document.IsIndex.Should().BeTrue();
        document.Index!.FindManifest(Platform.Parse(platform))!.Digest.ToString().Should().Be(digest);
    }

    [Fact]
    public void Index_without_the_platform_returns_null()
    {
        var index = ImageIndex.Parse(Encoding.UTF8.GetBytes(Index));
        index.FindManifest(Platform.Parse("linux/s390x")).Should().BeNull();
        index.Platforms.Should().Contain("linux/arm/v7");
    }

    [Fact]
    public void Untyped_document_with_manifests_is_an_index()
    {
        var json = Index.Replace("\"mediaType\":\"application/vnd.oci.image.index.v1+json\",", "", StringComparison.Ordinal);
        ManifestDocument.Parse(Encoding.UTF8.GetBytes(json)).IsIndex.Should().BeTrue();
    }

    [Theory]
    [InlineData("not json", "*not valid JSON*")]
    [InlineData("[]", "*not a JSON object*")]
    [InlineData("""{"schemaVersion":1,"config":{"mediaType":"x","size":1,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[]}""", "*schemaVersion is 1*")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[]}""", "*missing required properties*config*")]
    [InlineData("""{"schemaVersion":2,"mediaType":"text/plain"}""", "*unsupported manifest media type 'text/plain'*")]
    public void Rejects_bad_manifests(string json, string message)
    {
        var act = () => ManifestDocument.Parse(Encoding.UTF8.GetBytes(json));
        act.Should().Throw<OciFormatException>().WithMessage(message);
    }

    [Fact]
    public void Parses_image_config()
    {
        var json = """
            {"created":"2024-01-02T03:04:05Z","architecture":"arm","os":"linux","variant":"v7",
             "config":{"Env":["PATH=/bin"],"Labels":{"org.example.team":"core"}},
             "rootfs":{"type":"layers","diff_ids":["sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"]},
             "history":[{"created_by":"ADD file"}]}
            """;
        var config = ImageConfig.Parse(Encoding.UTF8.GetBytes(json));
        config.Platform.ToString().Should().Be("linux/arm/v7");
        config.Labels.Should().ContainKey("org.example.team").WhoseValue.Should().Be("core");
        config.RootFs.DiffIds.Should().ContainSingle();
        config.Created.Should().Be(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));
    }

    [Fact]
    public void Config_without_rootfs_is_rejected()
    {
        var act = () => ImageConfig.Parse("""{"os":"linux"}"""u8);
        act.Should().Throw<OciFormatException>().WithMessage("*rootfs*");
    }
}
