using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// The planner's answer: the entries every NodeImage should hold (only those it touched), which target nodes now
/// carry the owner's images, how many wait for a slot, and per node how many of the owner's images did not fit under
/// the cap on images per node.
/// </summary>
public sealed record NodeImagePlan(IReadOnlyDictionary<string, ValueList<PlannedImage>> Desired, IReadOnlySet<string> Carrying, int Waiting, IReadOnlyDictionary<string, int>? Refused = null)
{
    /// <summary>"node: n of the images did not fit", one per node that is full; empty when all fit.</summary>
    public IReadOnlyList<string> CapacityProblems(int maxImagesPerNode) =>
        (Refused ?? new Dictionary<string, int>()).Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => $"node {r.Key} already wants {maxImagesPerNode} images, the cap per node (--max-images-per-node): {r.Value} image(s) of this object are not placed there")
            .ToList();
}
