using System.Text;
using System.Text.Json.Nodes;
using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>Builds a multi-platform index (OCI image index or Docker manifest list) over built images.</summary>
public sealed class TestIndexBuilder
{
    private readonly List<BuiltImage> _images = [];
    private bool _docker;

    public TestIndexBuilder Add(BuiltImage image)
    {
        _images.Add(image);
        return this;
    }

    public TestIndexBuilder UseDockerMediaTypes()
    {
        _docker = true;
        return this;
    }

    public BuiltIndex Build()
    {
        var mediaType = _docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        var manifests = new JsonArray();
        foreach (var image in _images)
        {
            var descriptor = TestImageBuilder.Descriptor(image.ManifestMediaType, image.ManifestDigest, image.ManifestBytes.LongLength);
            var platform = new JsonObject { ["architecture"] = image.Platform.Architecture, ["os"] = image.Platform.Os };
            if (image.Platform.Variant is not null)
            {
                platform["variant"] = image.Platform.Variant;
            }

            descriptor["platform"] = platform;
            manifests.Add(descriptor);
        }

        var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = mediaType, ["manifests"] = manifests }.ToJsonString());
        return new BuiltIndex(bytes, Digest.Compute(bytes), mediaType, _images.ToList());
    }
}
