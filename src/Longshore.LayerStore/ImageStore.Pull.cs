using System.Collections.Concurrent;
using System.Text.Json;
using Longshore.Oci;
using Longshore.Registry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    // Pulls in this process that need the same blob share one download (keyed by store root and digest).
    private static readonly ConcurrentDictionary<string, Lazy<Task<bool>>> Downloads = new(StringComparer.Ordinal);

    /// <summary>
    /// Pulls an image: resolves the reference (for an index, the requested platform, default the host's), downloads
    /// the blobs that are missing (several layers at once, each verified while it streams) and commits the image and
    /// its tag in one transaction. Layers already present are not downloaded again.
    /// </summary>
    public async Task<PullResult> PullAsync(ImageReference reference, RegistryClient registry, PullOptions? options = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(registry);
        var platform = options?.Platform ?? Platform.Host;
        var resolved = await registry.ResolvePlatformAsync(reference, platform, cancellationToken);
        var manifest = resolved.ImageManifest;
        ValidateManifest(reference, manifest);

        var wanted = new List<Digest> { resolved.Manifest.Digest, manifest.Config.Digest };
        wanted.AddRange(manifest.Layers.Select(l => l.Digest));
        if (resolved.Index is { } index)
        {
            wanted.Add(index.Digest);
        }

        var lease = CreateLease(wanted);
        try
        {
            _blobs.WriteVerified(resolved.Manifest.Digest, resolved.Manifest.Content.Span);
            if (resolved.Index is { } indexDocument)
            {
                _blobs.WriteVerified(indexDocument.Digest, indexDocument.Content.Span);
            }

            byte[] configBytes;
            if (_blobs.Exists(manifest.Config.Digest))
            {
                configBytes = await File.ReadAllBytesAsync(_blobs.PathOf(manifest.Config.Digest), cancellationToken);
            }
            else
            {
                configBytes = await registry.GetBlobAsync(reference, manifest.Config, cancellationToken);
                _blobs.WriteVerified(manifest.Config.Digest, configBytes);
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
            using var slots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentDownloads));
            var tasks = manifest.Layers.DistinctBy(l => l.Digest).Select(async layer =>
            {
                if (_blobs.Exists(layer.Digest))
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

            var isNew = CommitImage(reference, resolved, manifest, config, configBytes.LongLength, lease);
            foreach (var layer in manifest.Layers)
            {
                progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.PullComplete, layer.Size, layer.Size));
            }

            var distinct = manifest.Layers.Select(l => l.Digest).Distinct().Count();
            return new PullResult(reference, manifest.Config.Digest, resolved.RepoDigest, config.Platform, downloaded, distinct - downloaded, bytes, isNew);
        }
        catch
        {
            // A successful commit removed the lease in its own transaction; only a failure leaves it to release.
            ReleaseLease(lease);
            throw;
        }
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

    /// <summary>Downloads one layer unless another pull (in this or another process) already did; true when this call downloaded it.</summary>
    private async Task<bool> FetchLayerAsync(ImageReference reference, RegistryClient registry, Descriptor layer, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var key = Root + "|" + layer.Digest;
        var mine = new Lazy<Task<bool>>(() => DownloadLayerAsync(reference, registry, layer, progress, cancellationToken));
        var shared = Downloads.GetOrAdd(key, mine);
        var created = ReferenceEquals(shared, mine);
        try
        {
            // The owner waits for the download itself (it ends promptly on cancellation, after removing its ingest
            // file); others only wait for its outcome.
            var downloaded = created ? await shared.Value : await shared.Value.WaitAsync(cancellationToken);
            return downloaded && created;
        }
        finally
        {
            if (created)
            {
                Downloads.TryRemove(new KeyValuePair<string, Lazy<Task<bool>>>(key, shared));
            }
        }
    }

    private async Task<bool> DownloadLayerAsync(ImageReference reference, RegistryClient registry, Descriptor layer, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        // Across processes: one writer per blob at a time; whoever comes second finds the blob in place.
        var lockPath = Path.Combine(_blobs.IngestDirectory, layer.Digest.Hex + ".lock");
        await using var blobLock = await AcquireFileLockAsync(lockPath, cancellationToken);
        if (_blobs.Exists(layer.Digest))
        {
            return false;
        }

        var ingest = _blobs.NewIngestPath(layer.Digest);
        try
        {
            await using (var file = new FileStream(ingest, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                file.SetLength(0);
                var reporter = progress is null ? null : new Progress<long>(b => progress.Report(new PullProgress(layer.Digest, LayerPullStatus.Downloading, b, layer.Size)));
                await registry.DownloadBlobAsync(reference, layer, file, reporter, cancellationToken);
                progress?.Report(new PullProgress(layer.Digest, LayerPullStatus.Verifying, layer.Size, layer.Size));
            }

            _blobs.Commit(ingest, layer.Digest);
            return true;
        }
        finally
        {
            File.Delete(ingest);
            File.Delete(lockPath);
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    /// <summary>Registers blobs a pull or load is about to rely on, so that no prune removes them meanwhile.</summary>
    private string CreateLease(IEnumerable<Digest> digests)
    {
        var id = Guid.NewGuid().ToString("N");
        using var gc = AcquireGcLock();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        StoreDatabase.Execute(connection, "INSERT INTO leases (id, pid, started) VALUES ($id, $pid, $t)", transaction, ("$id", id), ("$pid", Environment.ProcessId), ("$t", Timestamp(Now)));
        foreach (var digest in digests.Distinct())
        {
            StoreDatabase.Execute(connection, "INSERT OR IGNORE INTO lease_blobs (lease_id, digest) VALUES ($id, $d)", transaction, ("$id", id), ("$d", digest.ToString()));
        }

        transaction.Commit();
        return id;
    }

    private void ReleaseLease(string lease)
    {
        using var connection = _database.Open();
        StoreDatabase.Execute(connection, "DELETE FROM leases WHERE id = $id", null, ("$id", lease));
    }

    /// <summary>Records blobs, image, repo digest and tag in one transaction; true when the image was not in the store before.</summary>
    private bool CommitImage(ImageReference reference, ResolvedImage resolved, ImageManifest manifest, ImageConfig config, long configSize, string lease)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var imageId = manifest.Config.Digest;
        var isNew = InsertImage(connection, transaction, imageId, resolved.Manifest, manifest, config, configSize);
        if (resolved.Index is { } index)
        {
            InsertBlob(connection, transaction, index.Digest, index.Content.Length, index.MediaType);
        }

        StoreDatabase.Execute(
            connection,
            "INSERT OR IGNORE INTO repo_digests (repository, digest, image_id, index_digest) VALUES ($r, $d, $i, $x)",
            transaction,
            ("$r", reference.Repository),
            ("$d", resolved.RepoDigest.ToString()),
            ("$i", imageId.ToString()),
            ("$x", resolved.Index?.Digest.ToString()));
        if (reference.Digest is null)
        {
            SetTag(connection, transaction, reference.Repository, reference.Tag ?? ImageReference.DefaultTag, imageId);
        }

        StoreDatabase.Execute(connection, "DELETE FROM leases WHERE id = $id", transaction, ("$id", lease));
        transaction.Commit();
        _logger.LogDebug("committed {Image} as {ImageId}", reference, imageId);
        return isNew;
    }

    private bool InsertImage(SqliteConnection connection, SqliteTransaction transaction, Digest imageId, ManifestDocument manifestDocument, ImageManifest manifest, ImageConfig config, long configSize)
    {
        InsertBlob(connection, transaction, manifestDocument.Digest, manifestDocument.Content.Length, manifestDocument.MediaType);
        InsertBlob(connection, transaction, manifest.Config.Digest, configSize, manifest.Config.MediaType);
        foreach (var layer in manifest.Layers)
        {
            InsertBlob(connection, transaction, layer.Digest, _blobs.SizeOf(layer.Digest), layer.MediaType);
        }

        if (ImageById(connection, imageId, transaction) is not null)
        {
            return false;
        }

        var size = configSize + manifest.Layers.DistinctBy(l => l.Digest).Sum(l => l.Size);
        StoreDatabase.Execute(
            connection,
            "INSERT INTO images (id, manifest_digest, created, os, architecture, variant, size, labels, added) VALUES ($id, $m, $c, $os, $arch, $v, $size, $labels, $added)",
            transaction,
            ("$id", imageId.ToString()),
            ("$m", manifestDocument.Digest.ToString()),
            ("$c", config.Created is { } created ? Timestamp(created) : null),
            ("$os", string.IsNullOrEmpty(config.Os) ? "linux" : config.Os),
            ("$arch", string.IsNullOrEmpty(config.Architecture) ? "amd64" : config.Architecture),
            ("$v", config.Variant),
            ("$size", size),
            ("$labels", JsonSerializer.Serialize(config.Labels)),
            ("$added", Timestamp(Now)));
        StoreDatabase.Execute(connection, "INSERT INTO image_blobs (image_id, position, digest, kind, diff_id) VALUES ($i, 0, $d, 'manifest', NULL)", transaction, ("$i", imageId.ToString()), ("$d", manifestDocument.Digest.ToString()));
        StoreDatabase.Execute(connection, "INSERT INTO image_blobs (image_id, position, digest, kind, diff_id) VALUES ($i, 1, $d, 'config', NULL)", transaction, ("$i", imageId.ToString()), ("$d", manifest.Config.Digest.ToString()));
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            StoreDatabase.Execute(
                connection,
                "INSERT INTO image_blobs (image_id, position, digest, kind, diff_id) VALUES ($i, $p, $d, 'layer', $diff)",
                transaction,
                ("$i", imageId.ToString()),
                ("$p", i + 2),
                ("$d", manifest.Layers[i].Digest.ToString()),
                ("$diff", config.RootFs.DiffIds[i].ToString()));
        }

        return true;
    }

    private void InsertBlob(SqliteConnection connection, SqliteTransaction transaction, Digest digest, long size, string mediaType)
    {
        if (!_blobs.Exists(digest))
        {
            throw new StoreCorruptException($"blob {digest} vanished before its image was committed");
        }

        StoreDatabase.Execute(
            connection,
            "INSERT OR IGNORE INTO blobs (digest, size, media_type, added) VALUES ($d, $s, $m, $t)",
            transaction,
            ("$d", digest.ToString()),
            ("$s", size),
            ("$m", mediaType),
            ("$t", Timestamp(Now)));
    }

    /// <summary>Points repository:tag at an image; the image it pointed at before keeps its other tags or becomes dangling.</summary>
    private void SetTag(SqliteConnection connection, SqliteTransaction transaction, string repository, string tag, Digest imageId)
    {
        StoreDatabase.Execute(
            connection,
            "INSERT INTO tags (repository, tag, image_id, updated) VALUES ($r, $t, $i, $u) ON CONFLICT(repository, tag) DO UPDATE SET image_id = excluded.image_id, updated = excluded.updated",
            transaction,
            ("$r", repository),
            ("$t", tag),
            ("$i", imageId.ToString()),
            ("$u", Timestamp(Now)));
        StoreDatabase.Execute(connection, "UPDATE images SET last_tag_time = $u WHERE id = $i", transaction, ("$u", Timestamp(Now)), ("$i", imageId.ToString()));
    }
}
