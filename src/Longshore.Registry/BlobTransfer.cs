using System.Security.Cryptography;
using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// A blob download across its attempts: how many of the blob's bytes the destination holds, and their running hash when
/// this transfer streamed all of them (a prefix kept from before is the destination's to verify).
/// </summary>
internal sealed class BlobTransfer : IDisposable
{
    private readonly Stream _destination;
    private IncrementalHash? _hasher;

    public BlobTransfer(Descriptor blob, Stream destination)
    {
        Blob = blob;
        _destination = destination;
        Held = destination.CanSeek ? destination.Position : 0;
        if (Held > blob.Size)
        {
            StartOver();
        }
        else
        {
            _hasher = Held == 0 ? blob.Digest.CreateHasher() : null;
        }
    }

    public Descriptor Blob { get; }

    /// <summary>Bytes of the blob the destination holds: where the next request starts.</summary>
    public long Held { get; private set; }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _destination.WriteAsync(bytes, cancellationToken);
        _hasher?.AppendData(bytes.Span);
        Held += bytes.Length;
    }

    /// <summary>Discards what the destination holds; the hash then covers the whole blob again.</summary>
    public void StartOver()
    {
        _destination.Position = 0;
        _destination.SetLength(0);
        Held = 0;
        _hasher?.Dispose();
        _hasher = Blob.Digest.CreateHasher();
    }

    /// <summary>After a failed write the destination may hold more or less than counted: then only starting over is safe.</summary>
    public void Resynchronise()
    {
        if (_destination.CanSeek && _destination.Position != Held)
        {
            StartOver();
        }
    }

    /// <summary>Checks the digest when this transfer hashed the whole blob.</summary>
    public void Verify(ImageReference repository)
    {
        if (_hasher is null)
        {
            return;
        }

        var actual = Blob.Digest.FromHasher(_hasher);
        if (actual != Blob.Digest)
        {
            throw new DigestMismatchException(Blob.Digest, actual.ToString(), $"blob from {repository.Repository} hashes to {actual}, expected {Blob.Digest}");
        }
    }

    public void Dispose() => _hasher?.Dispose();
}
