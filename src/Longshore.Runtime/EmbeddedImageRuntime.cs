using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Longshore.Transfer;

namespace Longshore.Runtime;

/// <summary>The embedded layer store as a runtime, for nodes without CRI and for standalone use. Pins are store pins.</summary>
public sealed class EmbeddedImageRuntime(ImageStore store, RegistryClientOptions registryOptions) : IImageRuntime
{
    public const string PinOwner = "longshore-agent";

    private readonly ImagePuller _puller = new(store);

    // One client (one pipeline, its circuit breakers and token cache) for every pull; each pull sees it with its own credential.
    private readonly RegistryClient _registry = new(registryOptions);

    public Task<RuntimeInfo> InfoAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new RuntimeInfo("embedded", typeof(ImageStore).Assembly.GetName().Version?.ToString() ?? "0", PinningSupported: true));

    public Task<IReadOnlyList<RuntimeImage>> ListImagesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RuntimeImage>>(store.List().GroupBy(r => r.ImageId).Select(g => ToImage(store.Inspect(g.Key.ToString()))).ToList());

    public Task<RuntimeImage?> ImageStatusAsync(string reference, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.FindImageId(reference) is { } id ? ToImage(store.Inspect(id.ToString())) : null);

    public async Task<string> PullAsync(string reference, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        var registry = _registry.WithCredentials(host => credential ?? registryOptions.Credentials(host));
        try
        {
            var result = await _puller.PullAsync(ImageReference.Parse(reference), registry, cancellationToken: cancellationToken);
            return result.ImageId.ToString();
        }
        catch (RegistryException e)
        {
            throw new RuntimeException($"pull {reference} failed: {e.Message}", RegistryErrors.KindOf(e), e);
        }
        catch (HttpRequestException e)
        {
            throw new RuntimeException($"pull {reference} failed: {e.Message}", RuntimeErrorKind.RegistryUnavailable, e);
        }
    }

    public Task RemoveAsync(string reference, CancellationToken cancellationToken = default)
    {
        store.Remove(reference, new RemoveOptions(Force: true));
        return Task.CompletedTask;
    }

    public Task PinAsync(string reference, bool pinned, CancellationToken cancellationToken = default)
    {
        var id = store.FindImageId(reference) ?? throw new RuntimeException($"cannot pin {reference}: the store does not have it", RuntimeErrorKind.NotFound);
        if (pinned)
        {
            store.Pin(id, PinOwner);
        }
        else
        {
            store.Unpin(id, PinOwner);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<string>> InUseImageIdsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<string>>(store.List().Where(r => r.InUse).Select(r => r.ImageId.ToString()).ToHashSet(StringComparer.Ordinal));

    /// <summary>The store has no change feed: other processes may change it, so callers resync.</summary>
    public IAsyncEnumerable<string> RemovedImagesAsync(CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<string>();

    public Task<ImageFilesystemUsage?> FilesystemUsageAsync(CancellationToken cancellationToken = default)
    {
        var drive = new DriveInfo(store.Root);
        return Task.FromResult<ImageFilesystemUsage?>(new ImageFilesystemUsage(store.GetDiskUsage().TotalBytes, drive.TotalSize));
    }

    /// <summary>The store's own reference graph: the same walk its prune plans use, so planned bytes are what removal frees.</summary>
    public Task<RuntimeContent?> ContentAsync(CancellationToken cancellationToken = default)
    {
        var content = store.GetContent();
        return Task.FromResult<RuntimeContent?>(new RuntimeContent(content.ImageBlobs, content.Sizes, content.Leased));
    }

    public ValueTask DisposeAsync()
    {
        _registry.Dispose();
        return ValueTask.CompletedTask;
    }

    private static RuntimeImage ToImage(ImageDetails details) =>
        new(details.Id, details.RepoTags, details.RepoDigests, details.Size, details.PinnedBy.Count > 0, details.PinnedBy.Contains(PinOwner));
}
