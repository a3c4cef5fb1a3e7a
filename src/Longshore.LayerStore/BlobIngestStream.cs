using System.Security.Cryptography;
using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// A blob being written into <c>ingest/</c>: a write-only stream hashed as it is written. <see cref="CommitAsync"/>
/// checks size and digest, flushes to disk and renames the file into <c>blobs/</c>; disposing without committing removes
/// the partial file. Rewinding to the start (a transfer begun again) discards what was written.
/// </summary>
public sealed class BlobIngestStream : Stream
{
    private readonly BlobStore _blobs;
    private readonly Descriptor _blob;
    private readonly string _path;
    private readonly Func<ValueTask> _release;
    private readonly FileStream _file;
    private readonly IncrementalHash _hasher;
    private long _written;
    private bool _committed;
    private bool _disposed;

    internal BlobIngestStream(BlobStore blobs, Descriptor blob, string path, Func<ValueTask> release)
    {
        _blobs = blobs;
        _blob = blob;
        _path = path;
        _release = release;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        _hasher = blob.Digest.CreateHasher();
    }

    public Digest Digest => _blob.Digest;

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
            throw new StoreCorruptException($"blob {_blob.Digest} has {_written} bytes, its descriptor says {_blob.Size}");
        }

        var actual = _blob.Digest.FromHasher(_hasher);
        if (actual != _blob.Digest)
        {
            throw new StoreCorruptException($"content hashes to {actual}, expected {_blob.Digest}");
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
            _file.Dispose();
            _hasher.Dispose();
            if (!_committed)
            {
                File.Delete(_path);
            }

            _release().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _file.DisposeAsync();
            _hasher.Dispose();
            if (!_committed)
            {
                File.Delete(_path);
            }

            await _release();
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
