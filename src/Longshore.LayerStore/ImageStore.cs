using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Longshore.Oci;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.LayerStore;

/// <summary>
/// The embedded, content-addressed image store with Docker's semantics: image ID = config digest, repo digest =
/// manifest (or index) digest, tags that move and leave dangling images behind, layers shared between images and
/// freed only when nothing reaches them. Safe for several threads and several processes on one folder.
/// </summary>
public sealed partial class ImageStore : IDisposable
{
    private readonly StoreDatabase _database;
    private readonly BlobStore _blobs;
    private readonly ImageStoreOptions _options;
    private readonly ILogger _logger;
    private readonly string _gcLockPath;

    private ImageStore(string root, ImageStoreOptions options)
    {
        Root = root;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        _blobs = new BlobStore(root);
        _database = new StoreDatabase(Path.Combine(root, "metadata.db"), options.LockTimeout);
        _gcLockPath = Path.Combine(root, "gc.lock");
    }

    public string Root { get; }

    /// <summary>Opens (creating when missing) the store in <paramref name="root"/> and cleans what crashed writers left behind.</summary>
    public static ImageStore Open(string root, ImageStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        var store = new ImageStore(root, options ?? new ImageStoreOptions());
        store._database.Migrate();
        store.Recover();
        return store;
    }

    /// <summary>The bytes of a blob (layer, config, manifest) held by the store.</summary>
    public Stream OpenBlob(Digest digest)
    {
        try
        {
            return _blobs.OpenRead(digest);
        }
        catch (FileNotFoundException e)
        {
            throw new StoreCorruptException($"blob {digest} is not in the store (run longshore fsck)", e);
        }
    }

    public void Dispose()
    {
        // Connections are pooled per connection string; release this store's files so the folder can be removed.
        _database.ClearPool();
    }

    /// <summary>Removes leases and ingest files of dead processes and blob files that no metadata or live pull refers to.</summary>
    private void Recover()
    {
        using var gc = AcquireGcLock();
        // Ingest leftovers go first: on a full disk that frees the room the lease clean-up below needs to commit.
        var cleaned = _blobs.CleanIngest(Now - _options.PartialDownloadRetention);
        using var connection = _database.Open();
        using (var transaction = connection.BeginTransaction())
        {
            var leases = StoreDatabase.Query(connection, "SELECT id, pid FROM leases", r => (Id: r.GetString(0), Pid: r.GetInt32(1)), transaction);
            foreach (var lease in leases.Where(l => !BlobStore.IsAlive(l.Pid)))
            {
                StoreDatabase.Execute(connection, "DELETE FROM leases WHERE id = $id", transaction, ("$id", lease.Id));
            }

            transaction.Commit();
        }

        var known = new HashSet<string>(StoreDatabase.Query(connection, "SELECT digest FROM blobs UNION SELECT digest FROM lease_blobs", r => r.GetString(0)), StringComparer.Ordinal);
        var orphans = 0;
        foreach (var (digest, path) in _blobs.EnumerateFiles())
        {
            if (digest.IsEmpty || !known.Contains(digest.ToString()))
            {
                File.Delete(path);
                orphans++;
            }
        }

        if (cleaned + orphans > 0)
        {
            _logger.LogInformation("store {Root}: removed {Ingest} ingest leftovers and {Orphans} unreferenced blobs", Root, cleaned, orphans);
        }
    }

    /// <summary>
    /// Serialises the moments where blobs may disappear (prune, rm, fsck, recovery) against pulls and loads registering
    /// the blobs they are about to rely on and committing their images. Whoever deletes blob files reads references and
    /// leases, lists files and deletes under it, so a commit can never land between that reading and the deleting.
    /// A flock on a file (FileShare.None), so it holds across processes and between threads alike; it is not reentrant.
    /// </summary>
    private FileStream AcquireGcLock()
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(_gcLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    private DateTimeOffset Now => _options.TimeProvider.GetUtcNow();

    private static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTimestamp(string? value) =>
        value is null ? null : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private sealed record ImageRow(Digest Id, Digest ManifestDigest, DateTimeOffset? Created, string Os, string Architecture, string? Variant, long Size, IReadOnlyDictionary<string, string> Labels, DateTimeOffset? LastTagTime);

    private sealed record TagRow(string Repository, string Tag, Digest ImageId);

    private const string ImageColumns = "id, manifest_digest, created, os, architecture, variant, size, labels, last_tag_time";

    private static ImageRow ReadImage(SqliteDataReader r) => new(
        Digest.Parse(r.GetString(0)),
        Digest.Parse(r.GetString(1)),
        ParseTimestamp(r.IsDBNull(2) ? null : r.GetString(2)),
        r.GetString(3),
        r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        r.GetInt64(6),
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7)) ?? [],
        ParseTimestamp(r.IsDBNull(8) ? null : r.GetString(8)));

    private static List<ImageRow> AllImages(SqliteConnection connection, SqliteTransaction? transaction = null) =>
        StoreDatabase.Query(connection, $"SELECT {ImageColumns} FROM images", ReadImage, transaction);

    private static List<TagRow> AllTags(SqliteConnection connection, SqliteTransaction? transaction = null) =>
        StoreDatabase.Query(connection, "SELECT repository, tag, image_id FROM tags ORDER BY repository, tag", r => new TagRow(r.GetString(0), r.GetString(1), Digest.Parse(r.GetString(2))), transaction);

    private static string Familiar(string repository, string tag) => ImageReference.Parse(repository + ":" + tag).Familiar;

    private static string FamiliarRepository(string repository) => ImageReference.Parse(repository, defaultTag: false).FamiliarRepository;

    /// <summary>
    /// Finds the image a user means, the way Docker does: a reference (name[:tag], name@digest — repo digest or manifest
    /// digest), else a full or unique short image ID.
    /// </summary>
    private ImageRow FindImage(SqliteConnection connection, string image, SqliteTransaction? transaction = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        if (ImageReference.TryParse(image, out var reference) && reference is not null)
        {
            string? id = null;
            if (reference.Digest is { } digest)
            {
                id = StoreDatabase.Scalar(connection, "SELECT image_id FROM repo_digests WHERE repository = $r AND digest = $d LIMIT 1", transaction, ("$r", reference.Repository), ("$d", digest.ToString())) as string
                    ?? StoreDatabase.Scalar(connection, "SELECT id FROM images WHERE manifest_digest = $d LIMIT 1", transaction, ("$d", digest.ToString())) as string;
            }
            else
            {
                id = StoreDatabase.Scalar(connection, "SELECT image_id FROM tags WHERE repository = $r AND tag = $t", transaction, ("$r", reference.Repository), ("$t", reference.Tag ?? ImageReference.DefaultTag)) as string;
            }

            if (id is not null)
            {
                return ImageById(connection, Digest.Parse(id), transaction)!;
            }
        }

        var match = IdPattern().Match(image);
        if (match.Success)
        {
            var prefix = match.Groups["hex"].Value;
            var candidates = StoreDatabase.Query(connection, $"SELECT {ImageColumns} FROM images WHERE id LIKE $p", ReadImage, transaction, ("$p", "sha256:" + prefix + "%"));
            if (candidates.Count == 1)
            {
                return candidates[0];
            }

            if (candidates.Count > 1)
            {
                throw new ImageConflictException($"image ID prefix '{image}' is ambiguous: it matches {candidates.Count} images");
            }
        }

        throw ImageNotFoundException.For(image);
    }

    private static ImageRow? ImageById(SqliteConnection connection, Digest id, SqliteTransaction? transaction = null) =>
        StoreDatabase.Query(connection, $"SELECT {ImageColumns} FROM images WHERE id = $id", ReadImage, transaction, ("$id", id.ToString())).FirstOrDefault();

    [GeneratedRegex("^(sha256:)?(?<hex>[0-9a-f]{1,64})$")]
    private static partial Regex IdPattern();
}
