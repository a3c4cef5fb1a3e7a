using System.Formats.Tar;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.LayerStore.Tests;

/// <summary>A fresh store in a temporary folder, for one test.</summary>
internal sealed class StoreScope : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("longshore-store");

    public StoreScope()
    {
        Store = ImageStore.Open(_directory.Combine("store"));
    }

    public ImageStore Store { get; private set; }

    public string Root => Store.Root;

    public string Scratch(string name) => _directory.Combine(name);

    public ImageStore Reopen()
    {
        Store.Dispose();
        Store = ImageStore.Open(Root);
        return Store;
    }

    /// <summary>Loads a built image into the store through an OCI-layout archive, tagged <paramref name="name"/> (or untagged).</summary>
    public async Task<LoadResult> LoadAsync(BuiltImage image, string? name)
    {
        var layout = _directory.Combine("layout-" + Guid.NewGuid().ToString("N"));
        await OciLayoutWriter.WriteAsync(layout, image, "x");
        var indexPath = Path.Combine(layout, "index.json");
        var index = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(indexPath))!;
        var annotations = index["manifests"]![0]!["annotations"]!.AsObject();
        annotations.Remove("org.opencontainers.image.ref.name");
        if (name is not null)
        {
            annotations["io.containerd.image.name"] = ImageReference.Parse(name).ToString();
        }

        await File.WriteAllTextAsync(indexPath, index.ToJsonString());
        using var tar = new MemoryStream();
        await TarFile.CreateFromDirectoryAsync(layout, tar, includeBaseDirectory: false);
        tar.Position = 0;
        return await Store.LoadAsync(tar);
    }

    public long BlobBytesOnDisk() =>
        Directory.EnumerateFiles(Path.Combine(Root, "blobs"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    public void Dispose()
    {
        Store.Dispose();
        _directory.Dispose();
    }
}
