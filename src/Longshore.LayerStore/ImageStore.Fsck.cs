using Longshore.Oci;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>
    /// Verifies every blob (present, right size, hashes to its digest) and every reference (each image's manifest, config
    /// and layers are known blobs). With <paramref name="repair"/> it removes damaged blobs, the images that need them
    /// (their tags go too, so nothing half-present stays visible) and unreferenced files.
    /// </summary>
    public async Task<FsckReport> FsckAsync(bool repair = false, CancellationToken cancellationToken = default)
    {
        using var gc = repair ? AcquireGcLock() : null;
        var problems = new List<FsckProblem>();
        var repairs = new List<string>();
        var bad = new HashSet<string>(StringComparer.Ordinal);
        List<(string Digest, long Size)> rows;
        using (var connection = _database.Open())
        {
            rows = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs ORDER BY digest", r => (r.GetString(0), r.GetInt64(1)));
        }

        foreach (var (text, size) in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var digest = Digest.Parse(text);
            if (!_blobs.Exists(digest))
            {
                problems.Add(new FsckProblem("missing-blob", text, "the metadata lists this blob but its file is gone"));
                bad.Add(text);
                continue;
            }

            var actualSize = _blobs.SizeOf(digest);
            if (actualSize != size)
            {
                problems.Add(new FsckProblem("size-mismatch", text, $"file has {actualSize} bytes, expected {size}"));
                bad.Add(text);
                continue;
            }

            await using var stream = _blobs.OpenRead(digest);
            var actual = await Digest.ComputeAsync(stream, digest.Algorithm, cancellationToken);
            if (actual != digest)
            {
                problems.Add(new FsckProblem("corrupt-blob", text, $"content hashes to {actual}"));
                bad.Add(text);
            }
        }

        List<(string Image, string Blob)> references;
        int images;
        using (var connection = _database.Open())
        {
            references = StoreDatabase.Query(connection, "SELECT image_id, digest FROM image_blobs UNION SELECT image_id, index_digest FROM repo_digests WHERE index_digest IS NOT NULL", r => (r.GetString(0), r.GetString(1)));
            images = Convert.ToInt32(StoreDatabase.Scalar(connection, "SELECT COUNT(*) FROM images"), System.Globalization.CultureInfo.InvariantCulture);
            var known = rows.Select(r => r.Digest).ToHashSet(StringComparer.Ordinal);
            foreach (var (image, blob) in references.Where(r => !known.Contains(r.Blob)))
            {
                problems.Add(new FsckProblem("dangling-reference", image, $"refers to blob {blob}, which the store does not have"));
                bad.Add(blob);
            }

            var leased = StoreDatabase.Query(connection, "SELECT digest FROM lease_blobs", r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
            foreach (var (digest, path) in _blobs.EnumerateFiles())
            {
                if (digest.IsEmpty || (!known.Contains(digest.ToString()) && !leased.Contains(digest.ToString())))
                {
                    problems.Add(new FsckProblem("unreferenced-file", path, "no metadata refers to this file"));
                    if (repair)
                    {
                        File.Delete(path);
                        repairs.Add($"removed unreferenced file {path}");
                    }
                }
            }
        }

        if (repair && bad.Count > 0)
        {
            var broken = references.Where(r => bad.Contains(r.Blob)).Select(r => r.Image).Distinct(StringComparer.Ordinal).ToList();
            var freed = new List<Digest>();
            using (var connection = _database.Open())
            using (var transaction = connection.BeginTransaction())
            {
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

                transaction.Commit();
            }

            DeleteBlobFiles(freed.Concat(bad.Select(Digest.Parse)).Distinct());
            repairs.Add($"removed {bad.Count} damaged or missing blobs");
        }

        return new FsckReport(rows.Count, images, problems, repairs);
    }
}
