using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// A node's progress on one ImagePrePull's images, from its agent's NodeImage status. A runtime reports the digest the
/// tag pointed at when it pulled: the platform's manifest for single-platform images, the index for multi-platform
/// ones; either is the resolved image. Failures carry the agent's typed reason, never one guessed from the message.
/// </summary>
public static class NodeProgress
{
    public static (NodePhase Phase, IReadOnlyList<FailedNode> Failures) Of(
        string node,
        NodeImageStatus? status,
        IReadOnlyList<string> images,
        string platform,
        IReadOnlyDictionary<(string Image, string Platform), string> digests,
        IReadOnlyDictionary<string, string> repoDigests)
    {
        // The node's entry may be written another way than this object's image (shared with another object).
        var reported = (status?.Images ?? []).GroupBy(i => SameImage.Key(i.Reference), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var failures = new List<FailedNode>();
        var present = 0;
        foreach (var image in images.Distinct(StringComparer.Ordinal))
        {
            if (!reported.TryGetValue(SameImage.Key(image), out var entry))
            {
                continue;
            }

            var expected = digests.GetValueOrDefault((image, platform));
            if (entry.Phase == ImagePhase.Present && (expected is null || entry.Digest is null || entry.Digest == expected || entry.Digest == repoDigests.GetValueOrDefault(image)))
            {
                present++;
            }
            else if (entry.Phase == ImagePhase.Failed)
            {
                failures.Add(new FailedNode { Node = node, Image = image, Reason = (entry.Reason ?? PullFailureReason.PullFailed).ToString(), Message = entry.Message });
            }
        }

        var phase = failures.Count > 0 ? NodePhase.Failed : present == images.Distinct(StringComparer.Ordinal).Count() ? NodePhase.Ready : NodePhase.Pulling;
        return (phase, failures);
    }
}
