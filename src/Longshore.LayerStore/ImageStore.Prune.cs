using Longshore.Oci;
using Microsoft.Data.Sqlite;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>
    /// Computes what <see cref="Prune"/> would remove and exactly how many bytes it would free, without changing anything.
    /// Never plans an image that is pinned, in use, or matched by <see cref="PruneOptions.Keep"/>.
    /// </summary>
    public PrunePlan PlanPrune(PruneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        return Plan(connection, transaction, options);
    }

    /// <summary>
    /// Removes the planned images that are still eligible (re-checked under the store's lock, so an image tagged or
    /// pinned since planning survives) and the blobs only they reached. With no change in between it frees exactly
    /// <see cref="PrunePlan.ReclaimableBytes"/>.
    /// </summary>
    public PruneResult Prune(PrunePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var removed = new List<RemovedItem>();
        var skipped = new List<string>();
        var freed = new List<Digest>();
        long reclaimed = 0;
        var count = 0;
        using (var gc = AcquireGcLock())
        using (var connection = _database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            var stillEligible = Eligible(connection, transaction, plan.Options).Select(i => i.Id).ToHashSet();
            var sizes = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs", r => (r.GetString(0), r.GetInt64(1)), transaction).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
            foreach (var image in plan.Images)
            {
                if (!stillEligible.Contains(image.ImageId))
                {
                    skipped.Add($"{image.ImageId}: no longer eligible (tagged, pinned, in use or removed since the plan)");
                    continue;
                }

                var tags = StoreDatabase.Query(connection, "SELECT repository, tag FROM tags WHERE image_id = $i ORDER BY repository, tag", r => (r.GetString(0), r.GetString(1)), transaction, ("$i", image.ImageId.ToString()));
                foreach (var (repository, tag) in tags)
                {
                    Untag(connection, transaction, image.ImageId, repository, tag, removed);
                }

                var blobs = DeleteImage(connection, transaction, image.ImageId, removed);
                freed.AddRange(blobs);
                reclaimed += blobs.Sum(b => sizes.GetValueOrDefault(b.ToString()));
                count++;
            }

            // Durable commit first, then the files (see Remove): never metadata that points at deleted blobs.
            transaction.Commit();
            DeleteBlobFiles(freed);
        }

        return new PruneResult(removed, count, reclaimed, skipped);
    }

    /// <summary><c>df</c>: per image size, bytes shared with other images and bytes only it uses; totals and what prune --all frees.</summary>
    public DiskUsage GetDiskUsage()
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var images = AllImages(connection, transaction);
        var tags = AllTags(connection, transaction).ToLookup(t => t.ImageId, t => Familiar(t.Repository, t.Tag));
        var sizes = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs", r => (r.GetString(0), r.GetInt64(1)), transaction).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
        var content = StoreDatabase.Query(connection, "SELECT image_id, digest FROM image_blobs WHERE kind IN ('config', 'layer')", r => (Image: r.GetString(0), Blob: r.GetString(1)), transaction);
        var users = content.GroupBy(c => c.Blob).ToDictionary(g => g.Key, g => g.Select(x => x.Image).Distinct().Count(), StringComparer.Ordinal);
        var byImage = content.ToLookup(c => c.Image, c => c.Blob);
        var pinned = IdsIn(connection, "pins", transaction);
        var inUse = IdsIn(connection, "in_use", transaction);
        var rows = images.Select(image =>
        {
            var blobs = byImage[image.Id.ToString()].Distinct(StringComparer.Ordinal).ToList();
            var size = blobs.Sum(b => sizes.GetValueOrDefault(b));
            var shared = blobs.Where(b => users[b] > 1).Sum(b => sizes.GetValueOrDefault(b));
            return new ImageDiskUsage(image.Id, tags[image.Id].ToList(), image.Created, size, shared, size - shared, pinned.Contains(image.Id.ToString()), inUse.Contains(image.Id.ToString()));
        }).OrderByDescending(r => r.Created ?? DateTimeOffset.MinValue).ToList();
        var plan = Plan(connection, transaction, new PruneOptions { Mode = PruneMode.Unused });
        return new DiskUsage(rows, sizes.Values.Sum(), plan.ReclaimableBytes, rows.Count(r => r.Pinned || r.InUse));
    }

    /// <summary>The reference graph <see cref="PlanPrune"/> walks, for planners that choose the images themselves.</summary>
    public StoreContent GetContent()
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        return ReadContent(connection, transaction);
    }

    private PrunePlan Plan(SqliteConnection connection, SqliteTransaction transaction, PruneOptions options)
    {
        var planned = Eligible(connection, transaction, options);
        var plannedIds = planned.Select(p => p.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        var content = ReadContent(connection, transaction);
        // Mark: everything reachable from images that stay and from live pulls. Sweep: what the planned images reach beyond that.
        var marked = content.ImageBlobs.Where(i => !plannedIds.Contains(i.Key)).SelectMany(i => i.Value).ToHashSet(StringComparer.Ordinal);
        marked.UnionWith(content.Leased);
        var blobs = content.ImageBlobs
            .Where(i => plannedIds.Contains(i.Key))
            .SelectMany(i => i.Value)
            .Where(b => !marked.Contains(b))
            .Distinct(StringComparer.Ordinal)
            .Select(b => new PrunePlanBlob(Digest.Parse(b), content.Sizes.GetValueOrDefault(b)))
            .OrderBy(b => b.Digest.ToString(), StringComparer.Ordinal)
            .ToList();
        var tags = AllTags(connection, transaction).ToLookup(t => t.ImageId, t => Familiar(t.Repository, t.Tag));
        var images = planned.Select(p => new PrunePlanImage(p.Id, tags[p.Id].ToList(), p.Created)).ToList();
        return new PrunePlan(options, images, blobs);
    }

    private static StoreContent ReadContent(SqliteConnection connection, SqliteTransaction transaction)
    {
        var references = StoreDatabase.Query(
            connection,
            "SELECT image_id, digest FROM image_blobs UNION SELECT image_id, index_digest FROM repo_digests WHERE index_digest IS NOT NULL",
            r => (Image: r.GetString(0), Blob: r.GetString(1)),
            transaction);
        var byImage = references
            .GroupBy(r => r.Image, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(r => r.Blob).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var leased = StoreDatabase.Query(connection, "SELECT digest FROM lease_blobs", r => r.GetString(0), transaction).ToHashSet(StringComparer.Ordinal);
        var sizes = StoreDatabase.Query(connection, "SELECT digest, size FROM blobs", r => (r.GetString(0), r.GetInt64(1)), transaction).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
        return new StoreContent(byImage, sizes, leased);
    }

    private static List<ImageRow> Eligible(SqliteConnection connection, SqliteTransaction transaction, PruneOptions options)
    {
        var tags = AllTags(connection, transaction).ToLookup(t => t.ImageId);
        var pinned = IdsIn(connection, "pins", transaction);
        var inUse = IdsIn(connection, "in_use", transaction);
        return AllImages(connection, transaction).Where(image =>
        {
            var imageTags = tags[image.Id].ToList();
            if (options.Mode == PruneMode.Dangling && imageTags.Count > 0)
            {
                return false;
            }

            if (pinned.Contains(image.Id.ToString()) || inUse.Contains(image.Id.ToString()))
            {
                return false;
            }

            if (options.Until is { } until && (image.Created ?? DateTimeOffset.MinValue) >= until)
            {
                return false;
            }

            if (!options.Labels.All(l => l.Matches(image.Labels)) || options.NotLabels.Any(l => l.Matches(image.Labels)))
            {
                return false;
            }

            return !imageTags.Any(t => options.Keep.Any(pattern => ImageFilter.MatchesReference(pattern, FamiliarRepository(t.Repository), t.Tag)));
        }).OrderBy(i => i.Id.ToString(), StringComparer.Ordinal).ToList();
    }
}
