namespace Longshore.Agent;

/// <summary>What a prune removes (in order) and leaves, and the bytes the removals free.</summary>
/// <param name="Removals">Least recently used first.</param>
/// <param name="Skipped">Every candidate left, with its reason.</param>
/// <param name="BytesPlanned">Bytes the removals free: content no surviving image (nor a pull in progress) shares.</param>
/// <param name="Exact">False where the runtime could not list its content and each image's reported size was counted.</param>
/// <param name="Note">Why disk thresholds held the prune back, if they did.</param>
public sealed record NodePrunePlan(IReadOnlyList<PlannedRemoval> Removals, IReadOnlyList<PruneSkip> Skipped, long BytesPlanned, bool Exact, string? Note);
