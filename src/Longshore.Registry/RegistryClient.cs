using Longshore.Oci;
using Microsoft.Extensions.Logging;

namespace Longshore.Registry;

/// <summary>An OCI distribution client. Thread-safe; share one per process.</summary>
public sealed class RegistryClient : IDisposable
{
    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null, ILogger<RegistryClient>? logger = null)
    {
        throw new NotImplementedException();
    }

    /// <summary>GET /v2/, authenticating when challenged; throws <see cref="RegistryException"/> when unreachable or refused.</summary>
    public Task PingAsync(string registry, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The descriptor the reference points at (HEAD first, GET fallback), without downloading it.</summary>
    public Task<Descriptor> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The manifest or index at a tag or digest; content fetched by digest is verified against it.</summary>
    public Task<ManifestDocument> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Resolves a reference and, for an index, picks <paramref name="platform"/>'s manifest.</summary>
    public Task<ResolvedImage> ResolvePlatformAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>A small blob (config) in memory, verified against its descriptor's digest and size.</summary>
    public Task<byte[]> GetBlobAsync(ImageReference repository, Descriptor blob, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Streams a blob into <paramref name="destination"/> (written from its current position), hashing while it streams;
    /// throws <see cref="DigestMismatchException"/> on digest or size mismatch. Reports bytes written so far.
    /// </summary>
    public Task DownloadBlobAsync(ImageReference repository, Descriptor blob, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<bool> BlobExistsAsync(ImageReference repository, Digest digest, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Uploads a blob unless the registry has it already.</summary>
    public Task PushBlobAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>PUTs a manifest or index at the reference's tag (or digest); returns the digest the registry reports.</summary>
    public Task<Digest> PushManifestAsync(ImageReference reference, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Every tag of a repository, following <c>Link</c> pagination.</summary>
    public IAsyncEnumerable<string> ListTagsAsync(ImageReference repository, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public void Dispose()
    {
    }
}
