using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// What the Pin webhook changes in a new Pod: each container whose image a Pin policy covers and that is not already on
/// the locked digest (or one of its platform digests) gets <c>repo:tag@digest</c> from the lock. Applying the result
/// and planning again yields nothing, so a re-invoked webhook is harmless.
/// </summary>
public static class PodImagePinner
{
    public static IReadOnlyList<ImageRewrite> Plan(NamespacePins pins, IDictionary<string, string>? podLabels, IEnumerable<PodContainer> containers)
    {
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(containers);
        var rewrites = new List<ImageRewrite>();
        foreach (var container in containers)
        {
            if (!ImageReference.TryParse(container.Image, out var image)
                || pins.Find(PolicyPins.Pin, podLabels, image!.Repository) is not { Digest: not null } pin
                || (image.Digest is { } digest && pin.Accepts(digest)))
            {
                continue;
            }

            rewrites.Add(new ImageRewrite(container, pin.PinnedReference, pin));
        }

        return rewrites;
    }
}
