using Longshore.TestBed;
using System.Text;
using Longshore.Oci;

namespace Longshore.Testing.Tests;

public sealed class OciLayoutWriterTests
{
    [Fact]
    public async Task Skopeo_reads_the_layout_byte_for_byte()
    {
        using var layout = TempDirectory.Create("longshore-layout-test");
        var image = new TestImageBuilder().WithFile("etc/layout", "x").WithRandomLayer(4096, 11).Build();
        await OciLayoutWriter.WriteAsync(layout.Path, image, "v1");
        var raw = await Skopeo.InspectAsync($"oci:{layout.Path}:v1", raw: true);
        raw.Should().Be(Encoding.UTF8.GetString(image.ManifestBytes));
        foreach (var (digest, content) in image.Blobs)
        {
            (await File.ReadAllBytesAsync(layout.Combine("blobs", "sha256", digest.Hex))).Should().Equal(content);
        }
    }

    [Fact]
    public async Task Index_layout_holds_every_platform()
    {
        using var layout = TempDirectory.Create("longshore-layout-test");
        var index = new TestIndexBuilder()
            .Add(new TestImageBuilder().WithFile("arch", "amd64").Build())
            .Add(new TestImageBuilder().WithPlatform("linux/arm/v7").WithFile("arch", "arm").Build())
            .Build();
        await OciLayoutWriter.WriteAsync(layout.Path, index, "multi");
        var raw = await Skopeo.InspectAsync($"oci:{layout.Path}:multi", raw: true);
        Digest.Compute(Encoding.UTF8.GetBytes(raw)).Should().Be(index.Digest);
        var arm = await Skopeo.InspectAsync($"oci:{layout.Path}:multi", extraArguments: ["--override-arch", "arm", "--override-variant", "v7"]);
        arm.Should().Contain(index.For("linux/arm/v7").Layers[0].Digest.ToString());
    }
}
