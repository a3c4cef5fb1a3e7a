using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>A multi-platform index built for tests over <see cref="Images"/>.</summary>
public sealed record BuiltIndex(byte[] Bytes, Digest Digest, string MediaType, IReadOnlyList<BuiltImage> Images)
{
    public BuiltImage For(string platform) =>
        Images.FirstOrDefault(i => i.Platform.ToString() == Platform.Parse(platform).ToString())
        ?? throw new ArgumentException($"the index has no {platform} image", nameof(platform));
}
