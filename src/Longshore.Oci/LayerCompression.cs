namespace Longshore.Oci;

public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}
