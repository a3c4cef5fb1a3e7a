using Longshore.TestBed;
using System.IO.Compression;
using Longshore.Oci;

namespace Longshore.Testing.Tests;

public sealed class TestImageBuilderTests
{
    [Fact]
    public void Same_inputs_give_the_same_digests()
    {
        var a = new TestImageBuilder().WithFile("a/b", "c").WithRandomLayer(10_000, 7).WithLabel("k", "v").Build();
        var b = new TestImageBuilder().WithFile("a/b", "c").WithRandomLayer(10_000, 7).WithLabel("k", "v").Build();
        b.ManifestDigest.Should().Be(a.ManifestDigest);
        b.ConfigDigest.Should().Be(a.ConfigDigest);
    }

    [Fact]
    public void Different_seeds_give_different_layers()
    {
        var a = new TestImageBuilder().WithRandomLayer(1000, 1).Build();
        var b = new TestImageBuilder().WithRandomLayer(1000, 2).Build();
        b.Layers[0].Digest.Should().NotBe(a.Layers[0].Digest);
    }

    [Fact]
    public void Diff_id_is_the_digest_of_the_uncompressed_tar_and_config_lists_it()
    {
        var image = new TestImageBuilder().WithFile("etc/x", "y").WithFile("etc/z", "w").Build();
        foreach (var layer in image.Layers)
        {
            using var gzip = new GZipStream(new MemoryStream(layer.Content), CompressionMode.Decompress);
            using var tar = new MemoryStream();
            gzip.CopyTo(tar);
            Digest.Compute(tar.ToArray()).Should().Be(layer.DiffId);
            Digest.Compute(layer.Content).Should().Be(layer.Digest);
        }

        var config = ImageConfig.Parse(image.ConfigBytes);
        config.RootFs.DiffIds.Should().Equal(image.Layers.Select(l => l.DiffId));
        Digest.Compute(image.ConfigBytes).Should().Be(image.ConfigDigest);
    }

    [Fact]
    public void Manifest_describes_config_and_layers()
    {
        var image = new TestImageBuilder().UseDockerMediaTypes().WithPlatform("linux/arm/v7").WithFile("a", "b").Build();
        var manifest = ImageManifest.Parse(image.ManifestBytes);
        manifest.MediaType.Should().Be(MediaTypes.DockerManifest);
        manifest.Config.Digest.Should().Be(image.ConfigDigest);
        manifest.Layers.Select(l => l.Digest).Should().Equal(image.Layers.Select(l => l.Digest));
        ImageConfig.Parse(image.ConfigBytes).Platform.ToString().Should().Be("linux/arm/v7");
    }

    [Fact]
    public void Shared_layers_are_the_same_blob()
    {
        var base1 = new TestImageBuilder().WithFile("base", "1").Build();
        var child = new TestImageBuilder().WithSharedLayer(base1.Layers[0]).WithFile("app", "2").Build();
        child.Layers[0].Digest.Should().Be(base1.Layers[0].Digest);
        child.Layers.Should().HaveCount(2);
    }

    [Fact]
    public void Missing_component_names_the_package()
    {
        var act = () => ComponentLocator.Require("no-such-component-xyz", "no-such-package");
        act.Should().Throw<ComponentMissingException>().WithMessage("*no-such-component-xyz*no-such-package*");
    }
}
