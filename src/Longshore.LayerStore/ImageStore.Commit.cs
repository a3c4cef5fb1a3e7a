using System.Text.Json;
using Longshore.Oci;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Longshore.LayerStore;

/// <summary>
/// The write side of the store, for whatever fetches content (a registry pull, later a peer): lease the blobs about to be
/// relied on, ingest each one (hashed while it streams, verified, flushed and renamed into place), then commit the image
/// and its names in one transaction, which also ends the lease.
/// </summary>
public sealed partial class ImageStore
{
    /// <summary>Whether the store holds the blob's content.</summary>
    public bool HasBlob(Digest digest) => _blobs.Exists(digest);

    /// <summary>Writes small content held in memory (manifest, index, config) after checking it against its digest.</summary>
    public void WriteBlob(Digest digest, ReadOnlySpan<byte> content) => _blobs.WriteVerified(digest, content);

    /// <summary>The whole content of a blob held by the store.</summary>
    public async Task<byte[]> ReadBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        await using var stream = OpenBlob(digest);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Starts writing a blob into <c>ingest/</c>; null when the store already holds it. One writer per blob at a time,
    /// across processes: a second writer waits here and then finds the blob in place, or, when the first gave up or died,
    /// continues from the bytes it left (<see cref="BlobIngestStream.ResumedBytes"/>).
    /// </summary>
    public async Task<BlobIngestStream?> BeginIngestAsync(Descriptor blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (_blobs.Exists(blob.Digest))
        {
            return null;
        }

        var lockPath = _blobs.LockPath(blob.Digest);
        var blobLock = await AcquireFileLockAsync(lockPath, cancellationToken);
        try
        {
            if (_blobs.Exists(blob.Digest))
            {
                await ReleaseFileLockAsync(blobLock, lockPath, blobInPlace: true);
                return null;
            }

            return await BlobIngestStream.OpenAsync(_blobs, blob, _blobs.PartialPath(blob.Digest), inPlace => ReleaseFileLockAsync(blobLock, lockPath, inPlace), cancellationToken);
        }
        catch
        {
            await ReleaseFileLockAsync(blobLock, lockPath, blobInPlace: false);
            throw;
        }
    }

    /// <summary>Protects blobs from garbage collection until the lease is committed with an image or disposed.</summary>
    public StoreLease Lease(IEnumerable<Digest> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        return new StoreLease(CreateLease(digests), ReleaseLease);
    }

    /// <summary>
    /// Records an image whose blobs are all in the store: blobs, image, repo digest and (for a reference by tag) the tag,
    /// in one transaction that also ends <paramref name="lease"/>. True when the image was not in the store before.
    /// </summary>
    public bool CommitImage(ImageCommit image, StoreLease lease)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(lease);
        var manifest = image.Manifest.Manifest ?? throw new ArgumentException($"{image.Manifest.Digest} is not an image manifest", nameof(image));
        if (image.Config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new StoreCorruptException($"image {image.Reference} is inconsistent: its manifest lists {manifest.Layers.Count} layers but its config {image.Config.RootFs.DiffIds.Count} diff IDs");
        }

        var isNew = CommitImage(image.Reference, image.Index, image.Manifest, manifest, image.Config, image.ConfigSize, lease.Id);
        lease.MarkCommitted();
        return isNew;
    }

    /// <summary>An image's manifest exactly as stored (the bytes its digest covers), for pushing it elsewhere.</summary>
    public ManifestDocument ReadManifest(string image)
    {
        Digest digest;
        string mediaType;
        using (var connection = _database.Open())
        {
            digest = FindImage(connection, image).ManifestDigest;
            mediaType = (string)StoreDatabase.Scalar(connection, "SELECT media_type FROM blobs WHERE digest = $d", null, ("$d", digest.ToString()))!;
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(_blobs.PathOf(digest));
        }
        catch (FileNotFoundException e)
        {
            throw new StoreCorruptException($"blob {digest} is not in the store (run longshore fsck)", e);
        }

        var document = ManifestDocument.Parse(content, mediaType);
        return document.Digest == digest ? document : throw new StoreCorruptException($"blob {digest} does not match its digest (run longshore fsck)");
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

    /// <summary>
    /// Unlocks a blob. The lock file goes only once the blob is in place: a writer that opened the old file just before
    /// could otherwise lock it while a third creates a new one, and two would write the same ingest file.
    /// </summary>
    private static async ValueTask ReleaseFileLockAsync(FileStream blobLock, string path, bool blobInPlace)
    {
        if (blobInPlace)
        {
            File.Delete(path);
        }

        await blobLock.DisposeAsync();
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
        try
        {
            using var connection = _database.Open();
            StoreDatabase.Execute(connection, "DELETE FROM leases WHERE id = $id", null, ("$id", lease));
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 13 or 10)
        {
            // A full disk (SQLITE_FULL, or SQLITE_IOERR when SQLite cannot map its shared memory): the release runs while
            // a failed pull unwinds, and its own error must not hide the pull's. The lease only keeps this pull's
            // uncommitted blobs from collection; the next open after this process ends releases it.
            _logger.LogWarning(e, "could not release lease {Lease}: the store's disk is full", lease);
        }
    }

    private bool CommitImage(ImageReference reference, ManifestDocument? index, ManifestDocument manifestDocument, ImageManifest manifest, ImageConfig config, long configSize, string lease)
    {
        // Every blob was flushed and its rename flushed (BlobStore.Commit) before this commit names it; under the lock
        // fsck and rm take, so none of them can list files between this commit and their deleting.
        using var gc = AcquireGcLock();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var imageId = manifest.Config.Digest;
        var isNew = InsertImage(connection, transaction, imageId, manifestDocument, manifest, config, configSize);
        if (index is not null)
        {
            InsertBlob(connection, transaction, index.Digest, index.Content.Length, index.MediaType);
        }

        var repoDigest = index?.Digest ?? manifestDocument.Digest;
        StoreDatabase.Execute(
            connection,
            "INSERT OR IGNORE INTO repo_digests (repository, digest, image_id, index_digest) VALUES ($r, $d, $i, $x)",
            transaction,
            ("$r", reference.Repository),
            ("$d", repoDigest.ToString()),
            ("$i", imageId.ToString()),
            ("$x", index?.Digest.ToString()));
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
