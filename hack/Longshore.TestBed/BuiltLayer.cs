using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>A layer blob built for tests: <see cref="Content"/> is the compressed tar, <see cref="DiffId"/> the digest of the uncompressed tar.</summary>
public sealed record BuiltLayer(Digest Digest, Digest DiffId, long Size, string MediaType, byte[] Content)
{
    public Descriptor Descriptor => new() { MediaType = MediaType, Digest = Digest, Size = Size };
}
