using Longshore.Oci;
using Microsoft.Data.Sqlite;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary><c>image ls</c>: one row per repository:tag, one <c>&lt;none&gt;:&lt;none&gt;</c> row per untagged image; newest first.</summary>
    public IReadOnlyList<ImageSummary> List(ImageFilter? filter = null)
    {
        filter ??= new ImageFilter();
        using var connection = _database.Open();
        var images = AllImages(connection);
        var tags = AllTags(connection).ToLookup(t => t.ImageId);
        var repoDigests = RepoDigestsByImage(connection);
        var pinned = IdsIn(connection, "pins");
        var inUse = IdsIn(connection, "in_use");
        DateTimeOffset? before = filter.Before is null ? null : FindImage(connection, filter.Before).Created ?? DateTimeOffset.MinValue;
        DateTimeOffset? since = filter.Since is null ? null : FindImage(connection, filter.Since).Created ?? DateTimeOffset.MinValue;

        var rows = new List<ImageSummary>();
        foreach (var image in images)
        {
            var imageTags = tags[image.Id].ToList();
            if (filter.Dangling is { } dangling && dangling != (imageTags.Count == 0))
            {
                continue;
            }

            var created = image.Created ?? DateTimeOffset.MinValue;
            if ((before is { } b && created >= b) || (since is { } s && created <= s))
            {
                continue;
            }

            if (!filter.Labels.All(l => l.Matches(image.Labels)))
            {
                continue;
            }

            var isPinned = pinned.Contains(image.Id.ToString());
            var isInUse = inUse.Contains(image.Id.ToString());
            if (imageTags.Count == 0)
            {
                if (filter.References.Count == 0)
                {
                    rows.Add(new ImageSummary(ImageSummary.None, ImageSummary.None, null, image.Id, image.Created, image.Size, image.Labels, isPinned, isInUse));
                }

                continue;
            }

            foreach (var tag in imageTags)
            {
                var familiar = FamiliarRepository(tag.Repository);
                if (filter.References.Count > 0 && !filter.References.Any(p => ImageFilter.MatchesReference(p, familiar, tag.Tag)))
                {
                    continue;
                }

                var digest = repoDigests[image.Id].FirstOrDefault(d => d.Repository == tag.Repository).Digest;
                rows.Add(new ImageSummary(familiar, tag.Tag, digest.IsEmpty ? null : digest, image.Id, image.Created, image.Size, image.Labels, isPinned, isInUse));
            }
        }

        return rows
            .OrderByDescending(r => r.Created ?? DateTimeOffset.MinValue)
            .ThenBy(r => r.Repository, StringComparer.Ordinal)
            .ThenBy(r => r.Tag, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary><c>image inspect</c>: throws <see cref="ImageNotFoundException"/> when nothing matches.</summary>
    public ImageDetails Inspect(string image)
    {
        using var connection = _database.Open();
        var row = FindImage(connection, image);
        return Details(connection, row);
    }

    /// <summary>The image ID a name, tag, digest or short ID refers to, or null when nothing matches.</summary>
    public Digest? FindImageId(string image)
    {
        using var connection = _database.Open();
        try
        {
            return FindImage(connection, image).Id;
        }
        catch (ImageNotFoundException)
        {
            return null;
        }
    }

    private ImageDetails Details(SqliteConnection connection, ImageRow row)
    {
        var id = row.Id.ToString();
        var repoTags = StoreDatabase.Query(connection, "SELECT repository, tag FROM tags WHERE image_id = $i ORDER BY repository, tag", r => Familiar(r.GetString(0), r.GetString(1)), null, ("$i", id));
        var repoDigests = StoreDatabase.Query(connection, "SELECT repository, digest FROM repo_digests WHERE image_id = $i ORDER BY repository, digest", r => FamiliarRepository(r.GetString(0)) + "@" + r.GetString(1), null, ("$i", id));
        var diffIds = StoreDatabase.Query(connection, "SELECT diff_id FROM image_blobs WHERE image_id = $i AND kind = 'layer' ORDER BY position", r => r.GetString(0), null, ("$i", id));
        var pinnedBy = StoreDatabase.Query(connection, "SELECT owner FROM pins WHERE image_id = $i ORDER BY owner", r => r.GetString(0), null, ("$i", id));
        var inUseBy = StoreDatabase.Query(connection, "SELECT owner FROM in_use WHERE image_id = $i ORDER BY owner", r => r.GetString(0), null, ("$i", id));
        ContainerConfig? config = null;
        try
        {
            using var stream = OpenBlob(row.Id);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            config = ImageConfig.Parse(buffer.ToArray()).Config;
        }
        catch (StoreCorruptException)
        {
            // inspect still answers from metadata when a blob is damaged; fsck reports the damage.
        }

        return new ImageDetails(
            id,
            repoTags,
            repoDigests,
            row.Created,
            row.Os,
            row.Architecture,
            row.Variant,
            row.Size,
            new ImageRootFs("layers", diffIds),
            config,
            pinnedBy,
            inUseBy,
            row.ManifestDigest.ToString(),
            row.LastTagTime);
    }

    private static ILookup<Digest, (string Repository, Digest Digest)> RepoDigestsByImage(SqliteConnection connection, SqliteTransaction? transaction = null) =>
        StoreDatabase.Query(connection, "SELECT image_id, repository, digest FROM repo_digests ORDER BY repository, digest", r => (Image: Digest.Parse(r.GetString(0)), Repository: r.GetString(1), Digest: Digest.Parse(r.GetString(2))), transaction)
            .ToLookup(x => x.Image, x => (x.Repository, x.Digest));

    private static HashSet<string> IdsIn(SqliteConnection connection, string table, SqliteTransaction? transaction = null) =>
        new(StoreDatabase.Query(connection, $"SELECT DISTINCT image_id FROM {table}", r => r.GetString(0), transaction), StringComparer.Ordinal);
}
