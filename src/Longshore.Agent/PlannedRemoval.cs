using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>An image a prune plan removes and the bytes its removal frees after the removals planned before it.</summary>
public sealed record PlannedRemoval(RuntimeImage Image, long Bytes, DateTimeOffset? LastUsed);
