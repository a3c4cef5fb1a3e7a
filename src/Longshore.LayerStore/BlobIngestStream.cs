using System.Security.Cryptography;
using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// A blob being written into <c>ingest/&lt;hex&gt;.partial</c>: a write-only stream hashed as it is written, which
/// starts with whatever an earlier, interrupted writer left there (<see cref="ResumedBytes"/>, hashed again on open, so
/// the digest still covers the whole blob). <see cref="CommitAsync"/> checks size and digest, flushes to disk and renames
/// the file into <c>blobs/</c>. Disposing without committing keeps the file for the next writer to resume, unless its
/// content failed verification. Rewinding to the start (a transfer begun again) discards what was written.
/// </summary>
public sealed class BlobIngestStream : Stream
{
    private readonly BlobStore _blobs;
    private readonly Descriptor _blob;
    private readonly string _path;
    private readonly Func<bool, ValueTask> _release;
    private readonly FileStream _file;
    private readonly IncrementalHash _hasher;
    private long _written;
    private bool _committed;
    private bool _rejected;
    private bool _disposed;

    private BlobIngestStream(BlobStore blobs, Descriptor blob, string path, Func<bool, ValueTask> release, FileStream file)
    {
        _blobs = blobs;
        _blob = blob;
        _path = path;
        _release = release;
        _file = file;
        _hasher = blob.Digest.CreateHasher();
    }

    public Digest Digest => _blob.Digest;

    /// <summary>Bytes of the blob an earlier writer left in <c>ingest/</c>, which this one continues from.</summary>
    public long ResumedBytes { get; private set; }

    /// <summary>
    /// Opens the blob's ingest file, keeping what is there when it can be a prefix of the blob (not longer than it) and
    /// hashing it again. The caller holds the blob's lock; <paramref name="release"/> gets whether the blob went into place.
    /// </summary>
    internal static async Task<BlobIngestStream> OpenAsync(BlobStore blobs, Descriptor blob, string path, Func<bool, ValueTask> release, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        var ingest = new BlobIngestStream(blobs, blob, path, release, file);
        try
        {
            if (file.Length > blob.Size)
            {
                file.SetLength(0);
            }

            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                int read;
                while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    ingest._hasher.AppendData(buffer, 0, read);
                    ingest._written += read;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }

            ingest.ResumedBytes = ingest._written;
            return ingest;
        }
        catch
        {
            // Leaves the file and the lock as they were: a failed open must not lose what was fetched.
            await file.DisposeAsync();
            ingest._hasher.Dispose();
            throw;
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set
        {
            if (value != 0)
            {
                throw new NotSupportedException("an ingest can only be rewound to its start");
            }

            SetLength(0);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Append(buffer);
        _file.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Append(buffer.Span);
        await _file.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (offset != 0 || origin != SeekOrigin.Begin)
        {
            throw new NotSupportedException("an ingest can only be rewound to its start");
        }

        SetLength(0);
        return 0;
    }

    public override void SetLength(long value)
    {
        if (value != 0)
        {
            throw new NotSupportedException("an ingest can only be truncated to nothing");
        }

        _file.SetLength(0);
        _file.Position = 0;
        _hasher.GetHashAndReset();
        _written = 0;
    }

    /// <summary>Verifies what was written against the descriptor, then flushes it to disk and moves it into place.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_written != _blob.Size)
        {
            _rejected = _written > _blob.Size;
            throw new StoreCorruptException($"blob {_blob.Digest} has {_written} bytes, its descriptor says {_blob.Size}");
        }

        var actual = _blob.Digest.FromHasher(_hasher);
        if (actual != _blob.Digest)
        {
            // Whole but wrong (a bad registry, or a kept prefix torn by a crash): the next writer starts afresh.
            _rejected = true;
            throw new StoreCorruptException($"content hashes to {actual}, expected {_blob.Digest}" + (ResumedBytes > 0 ? $" (resumed after {ResumedBytes} kept bytes)" : string.Empty));
        }

        await _file.FlushAsync(cancellationToken);
        await _file.DisposeAsync();
        _blobs.Commit(_path, _blob.Digest);
        _committed = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                // Closing flushes what is buffered, which fails on a full disk: the blob's lock is released anyway.
                _file.Dispose();
            }
            finally
            {
                _hasher.Dispose();
                if (_rejected)
                {
                    File.Delete(_path);
                }

                _release(_committed).AsTask().GetAwaiter().GetResult();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            try
            {
                // As in Dispose: a flush failing on a full disk must not keep the blob's lock.
                await _file.DisposeAsync();
            }
            finally
            {
                _hasher.Dispose();
                if (_rejected)
                {
                    File.Delete(_path);
                }

                await _release(_committed);
            }
        }

        await base.DisposeAsync();
    }

    private void Append(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _hasher.AppendData(buffer);
        _written += buffer.Length;
    }
}
