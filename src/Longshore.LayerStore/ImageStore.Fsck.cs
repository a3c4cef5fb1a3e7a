using Longshore.Oci;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>
    /// Verifies every blob (present, right size, hashes to its digest) and every reference (each image's manifest, config
    /// and layers are known blobs). With <paramref name="repair"/> it removes damaged blobs, the images that need them
    /// (their tags go too, so nothing half-present stays visible) and unreferenced files.
    /// </summary>
    /// <remarks>
    /// Hashing every blob takes long, so it runs without the store's lock; what it finds is only a suspicion. The verdict
    /// is reached under the lock that commits take: metadata, references and leases are read again, suspects and blobs
    /// committed meanwhile are checked again, files are listed, and (repairing) metadata commits durably before any file
    /// is deleted. A pull or load that committed in another process meanwhile therefore never loses its files.
    /// </remarks>
    public async Task<FsckReport> FsckAsync(bool repair = false, CancellationToken cancellationToken = default)
    {
        List<(string Digest, long Size)> scanned;
        using (var connection = _database.Open())
        {
            scanned = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs ORDER BY digest", r => (r.GetString(0), r.GetInt64(1)));
        }

        var suspects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (digest, size) in scanned)
        {
            if (await CheckBlobAsync(digest, size, cancellationToken) is not null)
            {
                suspects.Add(digest);
            }
        }

        using var gc = AcquireGcLock();
        var problems = new List<FsckProblem>();
        var repairs = new List<string>();
        var bad = new HashSet<string>(StringComparer.Ordinal);
        List<(string Digest, long Size)> rows;
        List<(string Image, string Blob)> references;
        HashSet<string> leased;
        int images;
        using (var connection = _database.Open())
        using (var snapshot = connection.BeginTransaction(deferred: true))
        {
            rows = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs ORDER BY digest", r => (r.GetString(0), r.GetInt64(1)), snapshot);
            references = StoreDatabase.Query(connection, "SELECT image_id, digest FROM image_blobs UNION SELECT image_id, index_digest FROM repo_digests WHERE index_digest IS NOT NULL", r => (r.GetString(0), r.GetString(1)), snapshot);
            leased = StoreDatabase.Query(connection, "SELECT digest FROM lease_blobs", r => r.GetString(0), snapshot).ToHashSet(StringComparer.Ordinal);
            images = Convert.ToInt32(StoreDatabase.Scalar(connection, "SELECT COUNT(*) FROM images", snapshot), System.Globalization.CultureInfo.InvariantCulture);
        }

        var hashed = scanned.Select(r => r.Digest).ToHashSet(StringComparer.Ordinal);
        foreach (var (digest, size) in rows.Where(r => suspects.Contains(r.Digest) || !hashed.Contains(r.Digest)))
        {
            // A suspect may have been ingested again by a pull since (a missing blob is fetched anew); only what is still
            // wrong now, under the lock, counts.
            if (await CheckBlobAsync(digest, size, cancellationToken) is { } problem)
            {
                problems.Add(problem);
                bad.Add(digest);
            }
        }

        var known = rows.Select(r => r.Digest).ToHashSet(StringComparer.Ordinal);
        foreach (var (image, blob) in references.Where(r => !known.Contains(r.Blob)))
        {
            problems.Add(new FsckProblem("dangling-reference", image, $"refers to blob {blob}, which the store does not have"));
            bad.Add(blob);
        }

        var unreferenced = new List<string>();
        foreach (var (digest, path) in _blobs.EnumerateFiles())
        {
            if (digest.IsEmpty || (!known.Contains(digest.ToString()) && !leased.Contains(digest.ToString())))
            {
                problems.Add(new FsckProblem("unreferenced-file", path, "no metadata refers to this file"));
                unreferenced.Add(path);
            }
        }

        if (!repair)
        {
            return new FsckReport(rows.Count, images, problems, repairs);
        }

        var freed = new List<Digest>();
        if (bad.Count > 0)
        {
            var broken = references.Where(r => bad.Contains(r.Blob)).Select(r => r.Image).Distinct(StringComparer.Ordinal).ToList();
            using var connection = _database.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var image in broken)
            {
                var removed = new List<RemovedItem>();
                var imageId = Digest.Parse(image);
                var tags = StoreDatabase.Query(connection, "SELECT repository, tag FROM tags WHERE image_id = $i", r => (r.GetString(0), r.GetString(1)), transaction, ("$i", image));
                foreach (var (repository, tag) in tags)
                {
                    Untag(connection, transaction, imageId, repository, tag, removed);
                }

                freed.AddRange(DeleteImage(connection, transaction, imageId, removed));
                repairs.Add($"removed image {image} ({string.Join(", ", removed.Where(r => r.Kind == RemovedKind.Untagged).Select(r => r.Value).DefaultIfEmpty("untagged"))}): it needs a damaged blob; pull it again");
            }

            foreach (var blob in bad)
            {
                StoreDatabase.Execute(connection, "DELETE FROM blobs WHERE digest = $d", transaction, ("$d", blob));
            }

            // Durable before the files go (see Remove).
            transaction.Commit();
        }

        foreach (var path in unreferenced)
        {
            File.Delete(path);
            repairs.Add($"removed unreferenced file {path}");
        }

        if (bad.Count > 0)
        {
            // A blob that was missing may be in place again by now, renamed by a pull that leases it: its file stays.
            var damaged = bad.Except(problems.Where(p => p.Kind == "missing-blob").Select(p => p.Subject), StringComparer.Ordinal);
            DeleteBlobFiles(freed.Concat(damaged.Select(Digest.Parse)).Distinct());
            repairs.Add($"removed {bad.Count} damaged or missing blobs");
        }

        return new FsckReport(rows.Count, images, problems, repairs);
    }

    /// <summary>What is wrong with a blob the metadata lists (missing, wrong size, wrong content), or null.</summary>
    private async Task<FsckProblem?> CheckBlobAsync(string text, long size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var digest = Digest.Parse(text);
        if (!_blobs.Exists(digest))
        {
            return new FsckProblem("missing-blob", text, "the metadata lists this blob but its file is gone");
        }

        var actualSize = _blobs.SizeOf(digest);
        if (actualSize != size)
        {
            return new FsckProblem("size-mismatch", text, $"file has {actualSize} bytes, expected {size}");
        }

        await using var stream = _blobs.OpenRead(digest);
        var actual = await Digest.ComputeAsync(stream, digest.Algorithm, cancellationToken);
        return actual != digest ? new FsckProblem("corrupt-blob", text, $"content hashes to {actual}") : null;
    }
}
