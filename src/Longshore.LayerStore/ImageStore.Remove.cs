using Longshore.Oci;
using Microsoft.Data.Sqlite;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>Points <paramref name="target"/> at the image <paramref name="source"/> names (moving the tag if it exists).</summary>
    public void Tag(string source, ImageReference target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Digest is not null)
        {
            throw new ArgumentException($"cannot tag with a digest reference '{target}': a tag is name[:tag]", nameof(target));
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var image = FindImage(connection, source, transaction);
        SetTag(connection, transaction, target.Repository, target.Tag ?? ImageReference.DefaultTag, image.Id);
        transaction.Commit();
    }

    /// <summary>
    /// <c>image rm</c> with Docker's rules: removing one of several tags only untags; removing the last tag (or the image by
    /// ID) deletes the image and every blob nothing else reaches. Pinned or in-use images, and images tagged in several
    /// repositories when named by ID, are refused unless forced.
    /// </summary>
    public IReadOnlyList<RemovedItem> Remove(string image, RemoveOptions? options = null)
    {
        options ??= new RemoveOptions();
        var removed = new List<RemovedItem>();
        var freed = new List<Digest>();
        using (var gc = AcquireGcLock())
        using (var connection = _database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            var row = FindImage(connection, image, transaction);
            var id = row.Id.ToString();
            var tags = StoreDatabase.Query(connection, "SELECT repository, tag FROM tags WHERE image_id = $i", r => (Repository: r.GetString(0), Tag: r.GetString(1)), transaction, ("$i", id));
            var byTag = ImageReference.TryParse(image, out var reference) && reference is not null && reference.Digest is null
                && tags.Contains((reference.Repository, reference.Tag ?? ImageReference.DefaultTag));

            if (byTag && tags.Count > 1)
            {
                Untag(connection, transaction, row.Id, reference!.Repository, reference.Tag ?? ImageReference.DefaultTag, removed);
                transaction.Commit();
                return removed;
            }

            if (!byTag && !options.Force && tags.Select(t => t.Repository).Distinct().Count() > 1)
            {
                throw new ImageConflictException($"conflict: unable to delete {row.Id.Short} (must be forced) - image is referenced in multiple repositories");
            }

            if (!options.Force)
            {
                var pinnedBy = StoreDatabase.Query(connection, "SELECT owner FROM pins WHERE image_id = $i", r => r.GetString(0), transaction, ("$i", id));
                if (pinnedBy.Count > 0)
                {
                    throw new ImageConflictException($"conflict: unable to delete {row.Id.Short} (must be forced) - image is pinned by {string.Join(", ", pinnedBy)}");
                }

                var usedBy = StoreDatabase.Query(connection, "SELECT owner FROM in_use WHERE image_id = $i", r => r.GetString(0), transaction, ("$i", id));
                if (usedBy.Count > 0)
                {
                    throw new ImageConflictException($"conflict: unable to delete {row.Id.Short} (must be forced) - image is being used by {string.Join(", ", usedBy)}");
                }
            }

            foreach (var (repository, tag) in tags.OrderBy(t => t.Repository, StringComparer.Ordinal).ThenBy(t => t.Tag, StringComparer.Ordinal))
            {
                Untag(connection, transaction, row.Id, repository, tag, removed);
            }

            freed.AddRange(DeleteImage(connection, transaction, row.Id, removed));
            // The commit that makes the blobs unreachable is durable (synchronous = FULL) before any file goes: a lost
            // or rolled-back rm then leaves at worst files nothing refers to, never metadata pointing at deleted blobs.
            transaction.Commit();
            DeleteBlobFiles(freed);
        }

        return removed;
    }

    /// <summary>Protects an image from rm and prune for <paramref name="owner"/> (e.g. an ImagePrePull); pins by different owners stack.</summary>
    public void Pin(Digest imageId, string owner) => Mark("pins", imageId, owner, add: true);

    public void Unpin(Digest imageId, string owner) => Mark("pins", imageId, owner, add: false);

    /// <summary>Marks an image as used by a container (or other consumer); in-use images are never pruned.</summary>
    public void MarkInUse(Digest imageId, string owner) => Mark("in_use", imageId, owner, add: true);

    public void ClearInUse(Digest imageId, string owner) => Mark("in_use", imageId, owner, add: false);

    private void Mark(string table, Digest imageId, string owner, bool add)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        if (ImageById(connection, imageId, transaction) is null)
        {
            if (!add)
            {
                return;
            }

            throw ImageNotFoundException.For(imageId.ToString());
        }

        StoreDatabase.Execute(
            connection,
            add ? $"INSERT OR IGNORE INTO {table} (image_id, owner) VALUES ($i, $o)" : $"DELETE FROM {table} WHERE image_id = $i AND owner = $o",
            transaction,
            ("$i", imageId.ToString()),
            ("$o", owner));
        transaction.Commit();
    }

    private static void Untag(SqliteConnection connection, SqliteTransaction transaction, Digest imageId, string repository, string tag, List<RemovedItem> removed)
    {
        StoreDatabase.Execute(connection, "DELETE FROM tags WHERE repository = $r AND tag = $t", transaction, ("$r", repository), ("$t", tag));
        removed.Add(new RemovedItem(RemovedKind.Untagged, Familiar(repository, tag)));
        var stillTagged = Convert.ToInt64(StoreDatabase.Scalar(connection, "SELECT COUNT(*) FROM tags WHERE repository = $r AND image_id = $i", transaction, ("$r", repository), ("$i", imageId.ToString())), System.Globalization.CultureInfo.InvariantCulture) > 0;
        if (stillTagged)
        {
            return;
        }

        // The repository no longer names this image: its repo digests there go too, as Docker prints them.
        var digests = StoreDatabase.Query(connection, "SELECT digest FROM repo_digests WHERE repository = $r AND image_id = $i", r => r.GetString(0), transaction, ("$r", repository), ("$i", imageId.ToString()));
        foreach (var digest in digests)
        {
            removed.Add(new RemovedItem(RemovedKind.Untagged, FamiliarRepository(repository) + "@" + digest));
        }
    }

    /// <summary>Deletes an image's metadata and the blob rows nothing else reaches; returns those blobs (files go after commit).</summary>
    private List<Digest> DeleteImage(SqliteConnection connection, SqliteTransaction transaction, Digest imageId, List<RemovedItem> removed)
    {
        var id = imageId.ToString();
        var candidates = StoreDatabase.Query(connection, "SELECT digest FROM image_blobs WHERE image_id = $i UNION SELECT index_digest FROM repo_digests WHERE image_id = $i AND index_digest IS NOT NULL", r => r.GetString(0), transaction, ("$i", id));
        var layers = new HashSet<string>(StoreDatabase.Query(connection, "SELECT digest FROM image_blobs WHERE image_id = $i AND kind = 'layer'", r => r.GetString(0), transaction, ("$i", id)), StringComparer.Ordinal);
        StoreDatabase.Execute(connection, "DELETE FROM images WHERE id = $i", transaction, ("$i", id));
        removed.Add(new RemovedItem(RemovedKind.Deleted, id));
        var freed = Unreferenced(connection, transaction, candidates);
        foreach (var digest in freed)
        {
            StoreDatabase.Execute(connection, "DELETE FROM blobs WHERE digest = $d", transaction, ("$d", digest));
            if (layers.Contains(digest))
            {
                removed.Add(new RemovedItem(RemovedKind.Deleted, digest));
            }
        }

        return freed.Select(Digest.Parse).ToList();
    }

    /// <summary>The candidates no image, index repo digest or live lease refers to (the sweep of mark-and-sweep).</summary>
    private static List<string> Unreferenced(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<string> candidates)
    {
        var referenced = new HashSet<string>(
            StoreDatabase.Query(connection, "SELECT digest FROM image_blobs UNION SELECT index_digest FROM repo_digests WHERE index_digest IS NOT NULL UNION SELECT digest FROM lease_blobs", r => r.GetString(0), transaction),
            StringComparer.Ordinal);
        return candidates.Distinct(StringComparer.Ordinal).Where(c => !referenced.Contains(c)).ToList();
    }

    /// <summary>Deletes blob files; only after the commit that made them unreachable returned (it is durable by then).</summary>
    private void DeleteBlobFiles(IEnumerable<Digest> digests)
    {
        foreach (var digest in digests)
        {
            _blobs.Delete(digest);
        }
    }
}
