using k8s.Models;
using Longshore.Api;
using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>The pins of one ImagePolicy, by normalised repository (<c>nginx</c> is <c>docker.io/library/nginx</c>).</summary>
public sealed record PolicyPins(string Name, string Mode, V1LabelSelector? PodSelector, IReadOnlyDictionary<string, ImagePin> ByRepository)
{
    public const string Pin = "Pin";
    public const string Enforce = "Enforce";

    /// <summary>
    /// From the policy's spec (which repositories it covers) and status.locks (their digests). A repository in spec
    /// without a lock yet has a pin with no digest: Pin leaves such images alone, Enforce refuses them.
    /// </summary>
    public static PolicyPins From(V1Alpha1ImagePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var pins = new Dictionary<string, ImagePin>(StringComparer.Ordinal);
        foreach (var image in policy.Spec.Images)
        {
            if (Normalize(image.Repository) is { } repository)
            {
                pins.TryAdd(repository, new ImagePin(policy.Metadata.Name, repository, image.Tag, null, new HashSet<string>(StringComparer.Ordinal)));
            }
        }

        foreach (var lockEntry in policy.Status?.Locks ?? [])
        {
            if (Normalize(lockEntry.Image) is not { } repository || !Oci.Digest.TryParse(lockEntry.Digest, out var digest))
            {
                continue;
            }

            var accepted = new HashSet<string>(StringComparer.Ordinal) { digest.ToString() };
            foreach (var platform in PlatformDigestsOf(lockEntry))
            {
                accepted.Add(platform);
            }

            pins[repository] = new ImagePin(policy.Metadata.Name, repository, lockEntry.Tag, digest.ToString(), accepted);
        }

        return new PolicyPins(policy.Metadata.Name, policy.Spec.Mode, PodSelectorOf(policy), pins);
    }

    /// <summary>The repository of a reference, normalised; null when it does not parse (admission then leaves it alone).</summary>
    public static string? Normalize(string? reference) =>
        reference is not null && ImageReference.TryParse(reference, out var parsed) ? parsed!.Repository : null;

    private static IEnumerable<string> PlatformDigestsOf(ImageLock lockEntry) =>
        (lockEntry.PlatformDigests ?? []).Where(p => Oci.Digest.TryParse(p.Digest, out _)).Select(p => Oci.Digest.Parse(p.Digest).ToString());

    private static V1LabelSelector? PodSelectorOf(V1Alpha1ImagePolicy policy) => policy.Spec.PodSelector;
}
