namespace Longshore.Runtime;

/// <summary>An image as a runtime reports it: ID, tags, repo digests, size, and whether it is pinned against GC.</summary>
public sealed record RuntimeImage(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, long Size, bool Pinned);
