using System.Collections.Concurrent;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Transfer;

/// <summary>
/// Pulls images from registries into an <see cref="ImageStore"/>: resolves the reference (for an index, the requested
/// platform), leases every blob the image needs so no garbage collection removes them meanwhile, ingests the missing
/// blobs (several layers at once, each verified before it is renamed into place) and commits the image and its tag in
/// one transaction. Pulls through one puller that share a layer download it once, and the download carries on while any
/// of them still waits for it (one pull cancelled or timed out does not end it for the others); pulls in other processes
/// wait on the store's per-blob ingest lock and then find the blob in place. A download that breaks or is abandoned
/// stays in the store's <c>ingest/</c>, and the next pull of the layer continues it with a <c>Range</c> request.
/// </summary>
public sealed class ImagePuller(ImageStore store, ILogger<ImagePuller>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly ConcurrentDictionary<Digest, SharedDownload> _downloads = new();

    public async Task<PullResult> PullAsync(ImageReference reference, RegistryClient registry, PullOptions? options = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(registry);
        options ??= new PullOptions();
        var resolved = await registry.ResolvePlatformAsync(reference, options.Platform ?? Platform.Host, cancellationToken);
        var manifest = resolved.ImageManifest;
        ValidateManifest(reference, manifest);

        var wanted = new List<Digest> { resolved.Manifest.Digest, manifest.Config.Digest };
        wanted.AddRange(manifest.Layers.Select(l => l.Digest));
        if (resolved.Index is { } index)
        {
            wanted.Add(index.Digest);
        }

        using var lease = store.Lease(wanted);
        store.WriteBlob(resolved.Manifest.Digest, resolved.Manifest.Content.Span);
        if (resolved.Index is { } indexDocument)
        {
            store.WriteBlob(indexDocument.Digest, indexDocument.Content.Span);
        }

        byte[] configBytes;
        if (store.HasBlob(manifest.Config.Digest))
        {
            configBytes = await store.ReadBlobAsync(manifest.Config.Digest, cancellationToken);
        }
        else
        {
            configBytes = await registry.GetBlobAsync(reference, manifest.Config, cancellationToken);
            store.WriteBlob(manifest.Config.Digest, configBytes);
        }

        var config = ParseConfig(reference, configBytes);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new StoreCorruptException($"image {reference} is inconsistent: its manifest lists {manifest.Layers.Count} layers but its config {config.RootFs.DiffIds.Count} diff IDs");
        }

        foreach (var layer in manifest.Layers)
        {
            progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.Waiting, 0, layer.Size));
        }

        var downloaded = 0;
        long bytes = 0;
        using var slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentDownloads));
        var tasks = manifest.Layers.DistinctBy(l => l.Digest).Select(async layer =>
        {
            if (store.HasBlob(layer.Digest))
            {
                progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.AlreadyExists, layer.Size, layer.Size));
                return;
            }

            await slots.WaitAsync(cancellationToken);
            try
            {
                if (await FetchLayerAsync(reference, registry, layer, progress, cancellationToken))
                {
                    Interlocked.Increment(ref downloaded);
                    Interlocked.Add(ref bytes, layer.Size);
                }

                progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.DownloadComplete, layer.Size, layer.Size));
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);

        var isNew = store.CommitImage(new ImageCommit(reference, resolved.Index, resolved.Manifest, config, configBytes.LongLength), lease);
        foreach (var layer in manifest.Layers)
        {
            progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.PullComplete, layer.Size, layer.Size));
        }

        var distinct = manifest.Layers.Select(l => l.Digest).Distinct().Count();
        return new PullResult(reference, manifest.Config.Digest, resolved.RepoDigest, config.Platform, downloaded, distinct - downloaded, bytes, isNew);
    }

    private static void ValidateManifest(ImageReference reference, ImageManifest manifest)
    {
        if (manifest.Config.MediaType is not (MediaTypes.OciConfig or MediaTypes.DockerConfig))
        {
            throw new StoreCorruptException($"{reference} is not a container image: its config has media type '{manifest.Config.MediaType}'");
        }

        foreach (var layer in manifest.Layers)
        {
            if (!MediaTypes.IsLayer(layer.MediaType))
            {
                throw new StoreCorruptException($"{reference} has a layer {layer.Digest} of unsupported media type '{layer.MediaType}'");
            }
        }
    }

    private static ImageConfig ParseConfig(ImageReference reference, byte[] configBytes)
    {
        try
        {
            return ImageConfig.Parse(configBytes);
        }
        catch (OciFormatException e)
        {
            throw new StoreCorruptException($"the config of {reference} is not a valid image config: {e.Message}", e);
        }
    }

    /// <summary>
    /// Waits for one layer's download, joining the one under way or starting it; true when this call is the one to count
    /// it as downloaded (once per download). Leaving (cancelled) ends the download only when no other pull waits for it.
    /// </summary>
    private async Task<bool> FetchLayerAsync(ImageReference reference, RegistryClient registry, Descriptor layer, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var download = _downloads.GetOrAdd(layer.Digest, _ => new SharedDownload(layer, _logger));
            if (!download.TryJoin(progress))
            {
                // Its last waiter just left and it is ending: a new download continues from what it kept.
                _downloads.TryRemove(new KeyValuePair<Digest, SharedDownload>(layer.Digest, download));
                await download.Ended;
                continue;
            }

            download.Start(ct => DownloadLayerAsync(reference, registry, layer, download, ct), () => _downloads.TryRemove(new KeyValuePair<Digest, SharedDownload>(layer.Digest, download)));
            try
            {
                return await download.Downloaded.WaitAsync(cancellationToken) && download.Claim();
            }
            finally
            {
                if (download.Leave(progress))
                {
                    await download.Ended;
                }
            }
        }
    }

    private async Task<bool> DownloadLayerAsync(ImageReference reference, RegistryClient registry, Descriptor layer, IProgress<PullProgress> progress, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var ingest = await store.BeginIngestAsync(layer, cancellationToken);
            if (ingest is null)
            {
                return false;
            }

            var reporter = new ByteProgress(b => progress.Report(new PullProgress(layer.Digest, LayerPullStatus.Downloading, b, layer.Size)));
            await registry.DownloadBlobAsync(reference, layer, ingest, reporter, cancellationToken);
            progress.Report(new PullProgress(layer.Digest, LayerPullStatus.Verifying, layer.Size, layer.Size));
            try
            {
                await ingest.CommitAsync(cancellationToken);
            }
            catch (StoreCorruptException e) when (ingest.ResumedBytes > 0 && attempt == 0)
            {
                // The kept prefix was bad (e.g. torn by a crash); the ingest discarded it, so the next attempt starts from zero.
                _logger.LogWarning("download of {Digest} that resumed at {Bytes} bytes failed verification ({Error}); downloading it whole", layer.Digest, ingest.ResumedBytes, e.Message);
                continue;
            }

            _logger.LogDebug("downloaded {Digest} ({Bytes} bytes, {Resumed} of them kept from before) from {Repository}", layer.Digest, layer.Size, ingest.ResumedBytes, reference.Repository);
            return true;
        }
    }

    /// <summary>
    /// Reports on the downloading thread. <see cref="Progress{T}"/> would post to the thread pool, so a caller could see
    /// "Downloading" after "Verifying", or after the pull returned and its cancellation source was disposed.
    /// </summary>
    private sealed class ByteProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
