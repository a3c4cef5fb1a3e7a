using Longshore.Api;

namespace Longshore.Agent;

/// <summary>What one pass found and did.</summary>
/// <param name="Status">The status to report (heartbeat carried over from the previous one).</param>
/// <param name="Changed">Whether it differs from the previous status in anything but the heartbeat.</param>
/// <param name="NewlyFailed">Entries that turned Failed in this pass (each is one Warning event).</param>
/// <param name="RetryAt">The earliest time a backed-off pull falls due, if any.</param>
public sealed record NodeImageSyncResult(NodeImageStatus Status, bool Changed, IReadOnlyList<NodeImageEntryStatus> NewlyFailed, DateTimeOffset? RetryAt);
