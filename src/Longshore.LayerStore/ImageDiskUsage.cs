using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>One image in <c>df</c>: its size, the part shared with other images, and the part only it uses.</summary>
public sealed record ImageDiskUsage(Digest ImageId, IReadOnlyList<string> RepoTags, DateTimeOffset? Created, long Size, long SharedSize, long UniqueSize, bool Pinned, bool InUse);
