using System.Net;

namespace Longshore.Registry;

/// <summary>Response content whose stream is a <see cref="GuardedStream"/>; headers are those of the original content.</summary>
internal sealed class GuardedContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly string _host;
    private readonly RegistryClientOptions _options;

    public GuardedContent(HttpContent inner, string host, RegistryClientOptions options)
    {
        _inner = inner;
        _host = host;
        _options = options;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        // Content that knows its length without a header (buffered content) still announces it.
        if (inner.Headers.ContentLength is { } length)
        {
            Headers.ContentLength = length;
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new GuardedStream(await _inner.ReadAsStreamAsync(cancellationToken), _host, _options);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var body = await CreateContentReadStreamAsync(cancellationToken);
        await body.CopyToAsync(stream, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
