using Longshore.Oci;

namespace Longshore.Runtime;

/// <summary>What the agent needs from a node's image runtime, whichever it is.</summary>
public interface IImageRuntime : IAsyncDisposable
{
    Task<RuntimeInfo> InfoAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RuntimeImage>> ListImagesAsync(CancellationToken cancellationToken = default);

    /// <summary>The image a reference (tag, digest or ID) names, or null when the runtime does not have it.</summary>
    Task<RuntimeImage?> ImageStatusAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Pulls and returns the image's ID. Throws <see cref="RuntimeException"/> with the runtime's reason on failure.</summary>
    Task<string> PullAsync(string reference, RegistryCredential? credential, CancellationToken cancellationToken = default);

    Task RemoveAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Pins (or unpins) an image against garbage collection; <see cref="NotSupportedException"/> where the runtime cannot.</summary>
    Task PinAsync(string reference, bool pinned, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pins (or unpins) images the caller listed, in as few calls as the runtime allows (the agent pins hundreds at once).
    /// By default one <see cref="PinAsync(string, bool, CancellationToken)"/> per image, by ID.
    /// </summary>
    async Task PinAsync(IReadOnlyCollection<RuntimeImage> images, bool pinned, CancellationToken cancellationToken = default)
    {
        foreach (var image in images)
        {
            await PinAsync(image.Id, pinned, cancellationToken);
        }
    }

    /// <summary>IDs of images that containers (running or exited) use.</summary>
    Task<IReadOnlySet<string>> InUseImageIdsAsync(CancellationToken cancellationToken = default);

    Task<ImageFilesystemUsage?> FilesystemUsageAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What each image holds on disk, item by item (blobs, snapshots), so a prune plan counts exactly the bytes no
    /// surviving image shares, and the total measures what a prune freed. Null where the runtime cannot tell; a plan then
    /// counts each image's reported size.
    /// </summary>
    Task<RuntimeContent?> ContentAsync(CancellationToken cancellationToken = default) => Task.FromResult<RuntimeContent?>(null);

    /// <summary>
    /// The names of images as the runtime removes them (kubelet GC, <c>crictl rmi</c>, anyone), for as long as the caller
    /// listens. Ends at once where the runtime has no change feed; callers then rely on their periodic resync. Throws
    /// <see cref="RuntimeException"/> when the connection to the runtime breaks.
    /// </summary>
    IAsyncEnumerable<string> RemovedImagesAsync(CancellationToken cancellationToken = default);
}
