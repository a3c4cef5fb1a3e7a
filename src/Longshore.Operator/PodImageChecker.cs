using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// What the Enforce webhook refuses: a container whose image an Enforce policy covers and that does not name the
/// locked digest (or one of its platform digests) by <c>@digest</c>. A tag alone is refused even when it points at the
/// digest today, since it may not tomorrow; an image whose policy has no lock yet is refused until it has.
/// </summary>
public static class PodImageChecker
{
    /// <summary>One message per refused container: container, image and the digest expected.</summary>
    public static IReadOnlyList<string> Check(NamespacePins pins, IDictionary<string, string>? podLabels, IEnumerable<PodContainer> containers)
    {
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(containers);
        var problems = new List<string>();
        foreach (var container in containers)
        {
            if (!ImageReference.TryParse(container.Image, out var image) || pins.Find(PolicyPins.Enforce, podLabels, image!.Repository) is not { } pin)
            {
                continue;
            }

            if (pin.Digest is null)
            {
                problems.Add($"container \"{container.Name}\" image \"{container.Image}\": ImagePolicy {pin.Policy} has not locked a digest for {pin.Repository} yet; retry once its status.locks has one");
            }
            else if (image.Digest is not { } digest || !pin.Accepts(digest))
            {
                problems.Add($"container \"{container.Name}\" image \"{container.Image}\" is not on the digest ImagePolicy {pin.Policy} locks: expected {pin.Digest} (e.g. {pin.PinnedReference})");
            }
        }

        return problems;
    }
}
