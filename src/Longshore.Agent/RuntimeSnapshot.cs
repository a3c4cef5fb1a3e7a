using Longshore.Api;
using Longshore.Oci;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// One look at the runtime per reconcile: every image indexed by each of its names (tags, repo digests, ID, normalised
/// as references are), the in-use set and the filesystem usage. Whatever the number of wanted images, the runtime is
/// asked a fixed number of times.
/// </summary>
public sealed class RuntimeSnapshot
{
    private readonly Dictionary<string, RuntimeImage> _byName = new(StringComparer.Ordinal);

    public RuntimeSnapshot(IReadOnlyList<RuntimeImage> images, IReadOnlySet<string> inUse, ImageFilesystemUsage? usage, DateTimeOffset takenAt)
    {
        Images = images;
        InUse = inUse;
        Usage = usage;
        TakenAt = takenAt;
        foreach (var image in images)
        {
            _byName[image.Id] = image;
            foreach (var name in image.RepoTags.Concat(image.RepoDigests))
            {
                _byName[Normalise(name)] = image;
            }
        }
    }

    public IReadOnlyList<RuntimeImage> Images { get; }

    public IReadOnlySet<string> InUse { get; }

    public ImageFilesystemUsage? Usage { get; }

    /// <summary>When the listing was taken: a pull that ended after it may not show in it.</summary>
    public DateTimeOffset TakenAt { get; }

    public static async Task<RuntimeSnapshot> TakeAsync(IImageRuntime runtime, TimeProvider time, CancellationToken cancellationToken)
    {
        var takenAt = time.GetUtcNow();
        var images = await runtime.ListImagesAsync(cancellationToken);
        var inUse = await runtime.InUseImageIdsAsync(cancellationToken);
        var usage = await runtime.FilesystemUsageAsync(cancellationToken);
        return new RuntimeSnapshot(images, inUse, usage, takenAt);
    }

    /// <summary>The image a reference names (a tag, <c>repo@digest</c>, or an image ID), as the runtime's own lookup would find it.</summary>
    public RuntimeImage? Find(string reference)
    {
        if (_byName.TryGetValue(reference, out var byId))
        {
            return byId;
        }

        if (!ImageReference.TryParse(reference, out var parsed))
        {
            return null;
        }

        // A reference with both a tag and a digest means the digest, as in containerd.
        var key = parsed!.Digest is { } digest ? $"{parsed.Repository}@{digest}" : parsed.ToString();
        return _byName.GetValueOrDefault(key);
    }

    /// <summary>The inventory summary, counting the pins and unpins made since the listing.</summary>
    public ImageInventory Inventory(IEnumerable<RuntimeImage>? pinned = null, IEnumerable<RuntimeImage>? unpinned = null)
    {
        var pins = Images.Where(i => i.Pinned).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        pins.UnionWith((pinned ?? []).Select(i => i.Id));
        pins.ExceptWith((unpinned ?? []).Select(i => i.Id));
        return new ImageInventory
        {
            ImageCount = Images.Count,
            Bytes = Images.Sum(i => i.Size),
            DanglingCount = Images.Count(i => i.RepoTags.Count == 0),
            ReclaimableBytes = Images.Where(i => !pins.Contains(i.Id) && !InUse.Contains(i.Id)).Sum(i => i.Size),
            ImageFsUsedBytes = Usage?.UsedBytes,
            ImageFsCapacityBytes = Usage?.CapacityBytes,
        };
    }

    /// <summary>The digests the runtime records for an image under one repository (its <c>repo@digest</c> names).</summary>
    public static IEnumerable<string> RepoDigestsOf(RuntimeImage image, string repository) =>
        image.RepoDigests
            .Select(d => d.Split('@'))
            .Where(p => p.Length == 2 && ImageReference.TryParse(p[0], out var r) && r!.Repository == repository)
            .Select(p => p[1]);

    /// <summary>Runtimes name images in full (containerd) or familiar (docker.io/library/x → x) form: compare in full.</summary>
    private static string Normalise(string name) =>
        ImageReference.TryParse(name, out var parsed) ? parsed!.ToString() : name;
}
