namespace Longshore.Registry;

/// <summary>
/// A repository's tags and when they were listed; <see cref="Truncated"/> when the list was cut at the caller's cap;
/// <see cref="Stale"/> (with the registry's <see cref="Error"/>) when the registry could not be asked and the last
/// known list was used.
/// </summary>
public sealed record ResolvedTags(IReadOnlyList<string> Tags, bool Truncated, DateTimeOffset ListedAt, bool Stale, string? Error = null);
