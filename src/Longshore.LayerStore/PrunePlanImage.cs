using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>An image a prune plan removes, with the tags that go with it.</summary>
public sealed record PrunePlanImage(Digest ImageId, IReadOnlyList<string> RepoTags, DateTimeOffset? Created);
