using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// Finds containers (regular, init and ephemeral) of the selected Pods that run a locked repository at another digest
/// than the lock or its platform manifests. The digest a container runs is the one kubelet reports in
/// <c>status.*ContainerStatuses[].imageID</c> (<c>repo@sha256:…</c>, possibly behind <c>docker-pullable://</c>); a
/// container not yet started, or whose runtime reports only an image ID, says nothing and is not counted. Pure.
/// </summary>
public static class PodDriftFinder
{
    public const int MaxListed = 20;

    public static PodDriftReport Find(IReadOnlyList<ImageLock> locks, IEnumerable<V1Pod> pods, V1LabelSelector? podSelector)
    {
        ArgumentNullException.ThrowIfNull(locks);
        var byRepository = new Dictionary<string, ImageLock>(StringComparer.Ordinal);
        foreach (var @lock in locks.Where(l => l.Digest.Length > 0))
        {
            if (RepositoryOf(@lock.Image) is { } repository)
            {
                byRepository.TryAdd(repository, @lock);
            }
        }

        var sample = new List<PodDrift>();
        var byImage = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var pod in pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (pod.Status?.Phase is "Succeeded" or "Failed" || !LabelSelectors.Matches(podSelector, pod.Metadata.Labels))
            {
                continue;
            }

            foreach (var (container, image, imageId) in Containers(pod))
            {
                if (RepositoryOf(image) is not { } repository
                    || !byRepository.TryGetValue(repository, out var @lock)
                    || DigestOf(imageId) is not { } running
                    || running == @lock.Digest
                    || (@lock.PlatformDigests ?? []).Any(p => p.Digest == running))
                {
                    continue;
                }

                count++;
                byImage[@lock.Image] = byImage.GetValueOrDefault(@lock.Image) + 1;
                if (sample.Count < MaxListed)
                {
                    sample.Add(new PodDrift { Pod = pod.Metadata.Name, Container = container, Image = @lock.Image, Digest = running });
                }
            }
        }

        return new PodDriftReport(count, byImage, sample);
    }

    /// <summary>The digest in an imageID (<c>[docker-pullable://]repo@sha256:…</c>); null when it names none.</summary>
    public static string? DigestOf(string? imageId)
    {
        if (string.IsNullOrEmpty(imageId))
        {
            return null;
        }

        var at = imageId.LastIndexOf('@');
        return at >= 0 && Digest.TryParse(imageId[(at + 1)..], out var digest) ? digest.ToString() : null;
    }

    /// <summary>The normalised repository of an image reference (docker.io/library/… for short names); null when it does not parse.</summary>
    public static string? RepositoryOf(string? image) =>
        image is not null && ImageReference.TryParse(image, out var reference) && reference is not null ? reference.Repository : null;

    /// <summary>Each container's name, the image its spec names (the status' image if the spec has none) and its imageID.</summary>
    private static IEnumerable<(string Container, string? Image, string? ImageId)> Containers(V1Pod pod)
    {
        var specImages = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []))
        {
            specImages.TryAdd(c.Name, c.Image);
        }

        foreach (var c in pod.Spec?.EphemeralContainers ?? [])
        {
            specImages.TryAdd(c.Name, c.Image);
        }

        var statuses = (pod.Status?.ContainerStatuses ?? [])
            .Concat(pod.Status?.InitContainerStatuses ?? [])
            .Concat(pod.Status?.EphemeralContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            yield return (status.Name, specImages.GetValueOrDefault(status.Name) ?? status.Image, status.ImageID);
        }
    }
}
