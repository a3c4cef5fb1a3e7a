namespace Longshore.LayerStore;

/// <summary>Tar formats for <c>save</c>/<c>load</c>.</summary>
public enum ArchiveFormat
{
    /// <summary><c>docker save</c>'s format: manifest.json, repositories, config JSON and layer tars.</summary>
    DockerArchive,

    /// <summary>An OCI image layout (oci-layout, index.json, blobs/) in a tar.</summary>
    OciLayout,
}
