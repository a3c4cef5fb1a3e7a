namespace Longshore.Runtime;

/// <summary>
/// An image as a runtime reports it: ID, tags, repo digests, size, whether it is pinned against GC, and whether the
/// agent's own pin is among its pins (the only kind the agent ever removes).
/// </summary>
public sealed record RuntimeImage(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, long Size, bool Pinned, bool PinnedByAgent = false);
