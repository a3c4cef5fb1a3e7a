using Longshore.Api;

namespace Longshore.Agent;

/// <summary>A prune request in the planner's terms: which images are candidates, what protects them, when to stop.</summary>
/// <param name="DanglingOnly">Dangling mode: only untagged (<c>&lt;none&gt;:&lt;none&gt;</c>) images are candidates.</param>
/// <param name="OlderThan">A candidate a container used (or that arrived) more recently than this stays.</param>
/// <param name="Keep">Reference patterns never pruned.</param>
/// <param name="DiskUsageAbove">Prune only while the image filesystem is fuller than this percentage.</param>
/// <param name="DiskUsageTarget">Stop once usage is at or below this percentage (diskUsageAbove when not given).</param>
public sealed record PruneCriteria(bool DanglingOnly, TimeSpan OlderThan, KeepPatterns Keep, int? DiskUsageAbove = null, int? DiskUsageTarget = null)
{
    /// <summary>The criteria a request states; throws <see cref="ArgumentException"/> naming the field it cannot read.</summary>
    public static PruneCriteria From(PruneRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var olderThan = TimeSpan.Zero;
        if (!string.IsNullOrEmpty(request.OlderThan) && !GoDuration.TryParse(request.OlderThan, out olderThan, out var error))
        {
            throw new ArgumentException($"olderThan: {error}");
        }

        var dangling = request.Mode switch
        {
            "Dangling" => true,
            "Unused" => false,
            _ => throw new ArgumentException($"mode: '{request.Mode}' is not one of Dangling, Unused"),
        };
        if (request.DiskUsageTarget is { } target && (request.DiskUsageAbove is not { } above || target >= above))
        {
            throw new ArgumentException($"diskUsageTarget: {target} must be below diskUsageAbove ({request.DiskUsageAbove?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not set"})");
        }

        return new PruneCriteria(dangling, olderThan, new KeepPatterns(request.Keep), request.DiskUsageAbove, request.DiskUsageTarget);
    }
}
