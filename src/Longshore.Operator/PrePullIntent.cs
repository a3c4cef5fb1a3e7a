using Longshore.Api;

namespace Longshore.Operator;

/// <summary>What one ImagePrePull asks of the nodes, with its images resolved: the planner's input besides the nodes.</summary>
public sealed record PrePullIntent(
    PlannedOwner Owner,
    IReadOnlyList<string> Images,
    bool Pin,
    int Parallelism,
    string? PullTimeout,
    int? BackoffLimit,
    string? Platform,
    (string Namespace, string Name)? PullSecret,
    IReadOnlyDictionary<(string Image, string Platform), string> Digests,
    IReadOnlyDictionary<string, string> RepoDigests)
{
    public static PrePullIntent Of(PlannedOwner owner, ImagePrePullSpec spec, (string Namespace, string Name)? pullSecret, IReadOnlyDictionary<(string Image, string Platform), string> digests, IReadOnlyDictionary<string, string> repoDigests) =>
        new(owner, spec.Images, spec.Pin, spec.Parallelism, spec.PullTimeout, spec.BackoffLimit, spec.Platform, pullSecret, digests, repoDigests);
}
