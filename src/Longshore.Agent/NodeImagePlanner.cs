using Longshore.Api;
using Longshore.Oci;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>Decides, from one runtime listing, what a node must do for its wanted images. Pure: no runtime, no API server.</summary>
public static class NodeImagePlanner
{
    /// <param name="wanted">The merged spec entries.</param>
    /// <param name="snapshot">The runtime's listing.</param>
    /// <param name="pinnedByUs">References this agent pinned before; it unpins only those, and only where the runtime shows its own pin.</param>
    /// <param name="pinning">The runtime can pin, and its name for messages.</param>
    /// <param name="pulled">Whether a pull of the request's digest finished since it was asked for: then what the tag gave is what the node keeps.</param>
    public static NodeImagePlan Plan(IReadOnlyList<WantedImage> wanted, RuntimeSnapshot snapshot, IReadOnlySet<string> pinnedByUs, Runtime.RuntimeInfo pinning, Func<PullRequest, bool> pulled)
    {
        var pins = new List<RuntimeImage>();
        var unpins = new List<RuntimeImage>();
        var ours = new HashSet<string>(pinnedByUs, StringComparer.Ordinal);
        var images = new List<PlannedImage>();
        foreach (var image in wanted)
        {
            var request = WantedImages.ToRequest(image);
            var found = snapshot.Find(image.Reference);
            if (found is not null && !pulled(request) && TagMoved(found, image))
            {
                // The node's copy of the tag predates the digest the operator resolved: release the old image to kubelet's
                // GC and pull the tag again. Once per resolved digest, so a tag that keeps moving cannot loop the agent.
                if (found.PinnedByAgent && ours.Remove(image.Reference))
                {
                    unpins.Add(found);
                }

                var note = $"the tag now points at {image.RepoDigest ?? image.Digest}, this node has {DigestOf(found, image.Reference)}; pulling it";
                images.Add(new PlannedImage(image, request, null, false, note) { Moved = true });
                continue;
            }

            if (found is null)
            {
                images.Add(new PlannedImage(image, request, null, false, null));
                continue;
            }

            var pinned = false;
            string? message = null;
            if (image.Pin && pinning.PinningSupported)
            {
                if (!found.Pinned)
                {
                    pins.Add(found);
                }

                ours.Add(image.Reference);
                pinned = true;
            }
            else if (!image.Pin && ours.Remove(image.Reference) && found.PinnedByAgent)
            {
                unpins.Add(found);
            }

            if (image.Pin && !pinning.PinningSupported)
            {
                message = $"{pinning.Name} cannot pin images against garbage collection";
            }

            images.Add(new PlannedImage(image, request, found, pinned, message));
        }

        // Images no longer wanted lose the pin this agent gave them (never a pin someone else set); the images themselves
        // stay (pruning is separate).
        var wantedNames = wanted.Select(w => w.Reference).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in ours.Where(r => !wantedNames.Contains(r)).ToList())
        {
            if (snapshot.Find(reference) is { PinnedByAgent: true } image)
            {
                unpins.Add(image);
            }

            ours.Remove(reference);
        }

        // One image may be named by several references: pin it once, and never unpin what another reference keeps pinned.
        var kept = pins.Concat(images.Where(i => i.Pinned).Select(i => i.Found!)).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        return new NodeImagePlan(
            images,
            pins.DistinctBy(i => i.Id).ToList(),
            unpins.Where(i => !kept.Contains(i.Id)).DistinctBy(i => i.Id).ToList(),
            ours);
    }

    /// <summary>The digest the node has for a reference's repository, if the runtime recorded one.</summary>
    public static string? DigestOf(RuntimeImage image, string reference) =>
        RuntimeSnapshot.RepoDigestsOf(image, ImageReference.Parse(reference).Repository).FirstOrDefault();

    /// <summary>
    /// Whether the node's image for a tag is neither of the digests the operator resolved the tag to. Unknown (no digest
    /// wanted, a reference by digest, no repo digests recorded) counts as not moved.
    /// </summary>
    private static bool TagMoved(RuntimeImage found, WantedImage image)
    {
        if (image.Digest is null && image.RepoDigest is null)
        {
            return false;
        }

        var reference = ImageReference.Parse(image.Reference);
        if (reference.Digest is not null)
        {
            return false;
        }

        var digests = RuntimeSnapshot.RepoDigestsOf(found, reference.Repository).ToHashSet(StringComparer.Ordinal);
        return digests.Count > 0 && !digests.Contains(image.Digest ?? string.Empty) && !digests.Contains(image.RepoDigest ?? string.Empty);
    }
}
