using System.Diagnostics;
using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// Immutable blobs at <c>blobs/&lt;algorithm&gt;/&lt;hex&gt;</c>. New content is written into <c>ingest/</c>, flushed to
/// disk and renamed into place, so a blob path either does not exist or holds whole, verified content — after a kill
/// and after a power loss alike, because the rename is flushed too (see <see cref="Commit"/>). Downloads write
/// <c>ingest/&lt;hex&gt;.partial</c> under the blob's lock <c>ingest/&lt;hex&gt;.lock</c>, so that a later pull (in any
/// process) finds what an interrupted one fetched and resumes it; other writers use names carrying their process ID.
/// </summary>
internal sealed class BlobStore
{
    private const string PartialSuffix = ".partial";
    private const string LockSuffix = ".lock";

    public BlobStore(string root)
    {
        BlobsDirectory = Path.Combine(root, "blobs");
        IngestDirectory = Path.Combine(root, "ingest");
        var sha256 = Path.Combine(BlobsDirectory, Digest.Sha256);
        if (!Directory.Exists(sha256))
        {
            Directory.CreateDirectory(sha256);
            // A new store's folders must outlive a power loss before any blob is renamed into them.
            DirectorySync.Flush(BlobsDirectory);
            DirectorySync.Flush(root);
        }

        Directory.CreateDirectory(IngestDirectory);
    }

    public string BlobsDirectory { get; }

    public string IngestDirectory { get; }

    public string PathOf(Digest digest) => Path.Combine(BlobsDirectory, digest.Algorithm, digest.Hex);

    public bool Exists(Digest digest) => File.Exists(PathOf(digest));

    public long SizeOf(Digest digest) => new FileInfo(PathOf(digest)).Length;

    /// <summary>A fresh ingest file name owned by this process.</summary>
    public string NewIngestPath(Digest digest) =>
        Path.Combine(IngestDirectory, $"{digest.Hex}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");

    /// <summary>Where a download of the blob is kept until it is whole: one name per blob, so the next pull finds it.</summary>
    public string PartialPath(Digest digest) => Path.Combine(IngestDirectory, digest.Hex + PartialSuffix);

    /// <summary>The file whose exclusive lock makes one writer per blob, across processes.</summary>
    public string LockPath(Digest digest) => Path.Combine(IngestDirectory, digest.Hex + LockSuffix);

    /// <summary>
    /// Flushes an ingest file to disk and renames it into place (keeping an existing identical blob). The order is what
    /// makes a blob survive power loss: ingest → fsync the file → rename into <c>blobs/sha256/</c> → fsync that directory;
    /// only then may metadata that refers to the blob commit (<see cref="ImageStore"/> does it after this returns).
    /// </summary>
    public void Commit(string ingestPath, Digest digest)
    {
        var target = PathOf(digest);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        using (var file = new FileStream(ingestPath, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        if (File.Exists(target))
        {
            File.Delete(ingestPath);
        }
        else
        {
            File.Move(ingestPath, target, overwrite: false);
        }

        // Also when another writer renamed the blob first: its directory flush may not have happened yet, and this
        // caller is about to commit metadata that relies on the name.
        DirectorySync.Flush(directory);
    }

    /// <summary>Writes content held in memory, verifying it against its digest.</summary>
    public void WriteVerified(Digest digest, ReadOnlySpan<byte> content)
    {
        if (Exists(digest))
        {
            return;
        }

        using (var hasher = digest.CreateHasher())
        {
            hasher.AppendData(content);
            var actual = digest.FromHasher(hasher);
            if (actual != digest)
            {
                throw new StoreCorruptException($"content hashes to {actual}, expected {digest}");
            }
        }

        var ingest = NewIngestPath(digest);
        try
        {
            using (var file = new FileStream(ingest, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(content);
            }

            Commit(ingest, digest);
        }
        finally
        {
            File.Delete(ingest);
        }
    }

    public Stream OpenRead(Digest digest) =>
        new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    public IEnumerable<(Digest Digest, string Path)> EnumerateFiles()
    {
        foreach (var algorithmDirectory in Directory.EnumerateDirectories(BlobsDirectory))
        {
            var algorithm = Path.GetFileName(algorithmDirectory);
            foreach (var file in Directory.EnumerateFiles(algorithmDirectory))
            {
                if (Digest.TryParse(algorithm + ":" + Path.GetFileName(file), out var digest))
                {
                    yield return (digest, file);
                }
                else
                {
                    yield return (default, file);
                }
            }
        }
    }

    /// <summary>
    /// Removes ingest leftovers: files and folders of processes that no longer run, and kept downloads
    /// (<c>&lt;hex&gt;.partial</c>) that no one writes and that are either already in place or untouched since
    /// <paramref name="staleBefore"/>. Returns how many entries went.
    /// </summary>
    public int CleanIngest(DateTimeOffset staleBefore)
    {
        var removed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(IngestDirectory))
        {
            var name = Path.GetFileName(entry);
            if (name.EndsWith(PartialSuffix, StringComparison.Ordinal) && name.Length == 64 + PartialSuffix.Length)
            {
                removed += CleanPartial(entry, name[..64], staleBefore) ? 1 : 0;
                continue;
            }

            if (name.EndsWith(LockSuffix, StringComparison.Ordinal) && name.Length == 64 + LockSuffix.Length)
            {
                // Deleting a lock file is safe only once its blob is in place: whoever still locks the old file then
                // finds the blob and writes nothing.
                if (Digest.TryParse(Digest.Sha256 + ":" + name[..64], out var locked) && Exists(locked) && TryDelete(entry))
                {
                    removed++;
                }

                continue;
            }

            var parts = name.Split('.');
            // Other names carry the owner's PID: <what>.<pid>.<id>[.suffix].
            if (parts.Length < 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || IsAlive(pid))
            {
                continue;
            }

            removed += TryDelete(entry) ? 1 : 0;
        }

        return removed;
    }

    /// <summary>Removes a kept download when its blob is in place or it went stale, unless a writer holds its lock.</summary>
    private bool CleanPartial(string path, string hex, DateTimeOffset staleBefore)
    {
        if (!Digest.TryParse(Digest.Sha256 + ":" + hex, out var digest))
        {
            return false;
        }

        if (!Exists(digest) && File.GetLastWriteTimeUtc(path) >= staleBefore.UtcDateTime)
        {
            return false;
        }

        FileStream? held;
        try
        {
            held = new FileStream(LockPath(digest), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return false;
        }

        using (held)
        {
            return TryDelete(path);
        }
    }

    private static bool TryDelete(string entry)
    {
        try
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }

            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
