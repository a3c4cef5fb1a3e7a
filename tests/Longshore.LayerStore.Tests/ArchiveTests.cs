using System.Formats.Tar;
using System.Text;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.LayerStore.Tests;

[Collection(RegistryCollection.Name)]
public sealed class ArchiveTests(RegistryFixture registry)
{
    [Theory]
    [InlineData(ArchiveFormat.DockerArchive)]
    [InlineData(ArchiveFormat.OciLayout)]
    public async Task Save_then_load_keeps_image_id_tags_and_layers(ArchiveFormat format)
    {
        var image = new TestImageBuilder().WithFile("etc/a", "a").WithRandomLayer(100_000, 3).WithLabel("k", "v").Build();
        using var source = new StoreScope();
        await source.LoadAsync(image, "example.com/saved:1");
        using var archive = new MemoryStream();
        await source.Store.SaveAsync(["example.com/saved:1"], archive, format);
        archive.Position = 0;

        using var target = new StoreScope();
        var result = await target.Store.LoadAsync(archive);

        result.Lines.Should().Equal("Loaded image: example.com/saved:1");
        var details = target.Store.Inspect("example.com/saved:1");
        details.Id.Should().Be(image.ConfigDigest.ToString());
        details.RootFS.Layers.Should().Equal(image.Layers.Select(l => l.DiffId.ToString()));
        details.Config!.Labels.Should().Contain("k", "v");
        (await target.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Fact]
    public async Task Skopeo_reads_what_we_save()
    {
        var image = new TestImageBuilder().WithFile("etc/skopeo", "reads").Build();
        using var scope = new StoreScope();
        await scope.LoadAsync(image, "example.com/interop:1");
        var docker = scope.Scratch("docker.tar");
        var oci = scope.Scratch("oci.tar");
        await using (var file = File.Create(docker))
        {
            await scope.Store.SaveAsync(["example.com/interop:1"], file, ArchiveFormat.DockerArchive);
        }

        await using (var file = File.Create(oci))
        {
            await scope.Store.SaveAsync(["example.com/interop:1"], file, ArchiveFormat.OciLayout);
        }

        var fromDocker = await Skopeo.InspectAsync($"docker-archive:{docker}");
        fromDocker.Should().Contain(image.Layers[0].DiffId.ToString());
        var fromOci = await Skopeo.InspectAsync($"oci-archive:{oci}", raw: true);
        Digest.Compute(Encoding.UTF8.GetBytes(fromOci)).Should().Be(image.ManifestDigest);
    }

    [Fact]
    public async Task Loads_a_docker_archive_written_by_skopeo()
    {
        var image = new TestImageBuilder().WithFile("from", "skopeo").WithRandomLayer(20_000, 8).Build();
        await Skopeo.PublishAsync(image, registry.Server, "archive/skopeo:1");
        using var scope = new StoreScope();
        var path = scope.Scratch("skopeo.tar");
        await Skopeo.CopyAsync("docker://" + registry.Server.Reference("archive/skopeo:1"), $"docker-archive:{path}:example.com/from-skopeo:1");

        await using var file = File.OpenRead(path);
        var result = await scope.Store.LoadAsync(file);

        result.Lines.Should().Equal("Loaded image: example.com/from-skopeo:1");
        scope.Store.Inspect("example.com/from-skopeo:1").Id.Should().Be(image.ConfigDigest.ToString());
        (await scope.Store.FsckAsync()).Clean.Should().BeTrue();
    }

    [Theory]
    [InlineData("../escape", "climbs out")]
    [InlineData("/etc/evil", "absolute")]
    [InlineData("blobs/../../x", "climbs out")]
    public async Task Entries_that_escape_are_refused(string name, string message)
    {
        using var scope = new StoreScope();
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) });
        }

        archive.Position = 0;
        var act = () => scope.Store.LoadAsync(archive);
        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{message}*");
        Directory.EnumerateFileSystemEntries(Path.Combine(scope.Root, "ingest")).Should().BeEmpty();
    }

    [Fact]
    public async Task Links_out_of_the_archive_are_refused()
    {
        using var scope = new StoreScope();
        using var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "manifest.json") { LinkName = "../../../etc/passwd" });
        }

        archive.Position = 0;
        var act = () => scope.Store.LoadAsync(archive);
        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage("*manifest.json*");
    }

    [Fact]
    public async Task A_damaged_blob_fails_the_load_and_loads_nothing()
    {
        var image = new TestImageBuilder().WithFile("etc/a", "damaged").Build();
        using var scope = new StoreScope();
        var layout = scope.Scratch("layout");
        await OciLayoutWriter.WriteAsync(layout, image, "example.com/damaged:1");
        var layerPath = Path.Combine(layout, "blobs", "sha256", image.Layers[0].Digest.Hex);
        var bytes = await File.ReadAllBytesAsync(layerPath);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(layerPath, bytes);
        using var archive = new MemoryStream();
        await TarFile.CreateFromDirectoryAsync(layout, archive, includeBaseDirectory: false);
        archive.Position = 0;

        var act = () => scope.Store.LoadAsync(archive);

        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{image.Layers[0].Digest}*damaged*");
        scope.Store.List().Should().BeEmpty();
        Directory.EnumerateFiles(Path.Combine(scope.Root, "blobs"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
