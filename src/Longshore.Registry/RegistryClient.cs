using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Longshore.Oci;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Registry;

/// <summary>
/// An OCI distribution client. Thread-safe; share one per process: every client uses the process's one connection
/// pool, and <see cref="WithCredentials"/> gives a view with other credentials that shares the pipeline, its token
/// cache and its circuit breakers. Every failure is a <see cref="RegistryException"/> with a one-line message; no
/// request, body read or token exchange can wait longer than the configured timeouts or buffer more than its cap.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private static readonly string ManifestAccept = string.Join(", ", MediaTypes.AllManifests);

    private readonly RegistryClientOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Func<string, RegistryCredential?> _credentials;
    private readonly bool _ownsHttp;

    /// <param name="handler">The transport under the pipeline; by default the process's shared connection pool. Not disposed with the client.</param>
    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null, ILogger<RegistryClient>? logger = null)
    {
        _options = options ?? new RegistryClientOptions();
        if (_options.Problem() is { } problem)
        {
            throw new ArgumentException($"registry client options: {problem}", nameof(options));
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _credentials = _options.Credentials;
        _http = new HttpClient(RegistryPipeline.Create(_options, handler ?? RegistryConnections.Shared, _logger), disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        _ownsHttp = true;
    }

    private RegistryClient(RegistryClient shared, Func<string, RegistryCredential?> credentials)
    {
        _options = shared._options;
        _http = shared._http;
        _logger = shared._logger;
        _credentials = credentials;
    }

    public RegistryClientOptions Options => _options;

    /// <summary>
    /// This client with other credentials (e.g. one object's pull secrets): same connections, pipeline and circuit
    /// breakers; tokens are cached per credential, so views never see each other's. Disposing a view does nothing.
    /// </summary>
    public RegistryClient WithCredentials(Func<string, RegistryCredential?> credentials) => new(this, credentials);

    /// <summary>GET /v2/, authenticating when challenged; throws <see cref="RegistryException"/> when unreachable or refused.</summary>
    public async Task PingAsync(string registry, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(registry);
        using var response = await SendAsync(endpoint, string.Empty, new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "v2/")), cancellationToken);
        await EnsureSuccessAsync(endpoint, response, $"ping {registry}", cancellationToken);
    }

    /// <summary>The descriptor the reference points at (HEAD first, GET fallback), without downloading it.</summary>
    public async Task<Descriptor> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(reference.Domain);
        var uri = ManifestUri(endpoint, reference);
        using (var head = await SendAsync(endpoint, PullScope(reference), ManifestRequest(HttpMethod.Head, uri), cancellationToken))
        {
            if (head.IsSuccessStatusCode
                && head.Headers.TryGetValues("Docker-Content-Digest", out var values)
                && Digest.TryParse(values.FirstOrDefault(), out var digest)
                && head.Content.Headers.ContentType?.MediaType is { } mediaType
                && head.Content.Headers.ContentLength is { } length)
            {
                if (reference.Digest is { } wanted && wanted != digest)
                {
                    throw new DigestMismatchException(wanted, digest.ToString(), $"registry answered {digest} for {reference}");
                }

                return new Descriptor { MediaType = mediaType, Digest = digest, Size = length };
            }

            if (head.StatusCode is HttpStatusCode.NotFound)
            {
                throw new RegistryException($"manifest unknown: {reference}", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            }
        }

        var document = await GetManifestAsync(reference, cancellationToken);
        return new Descriptor { MediaType = document.MediaType, Digest = document.Digest, Size = document.Content.Length };
    }

    /// <summary>The manifest or index at a tag or digest; content fetched by digest is verified against it.</summary>
    public async Task<ManifestDocument> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(reference.Domain);
        var uri = ManifestUri(endpoint, reference);
        using var response = await SendAsync(endpoint, PullScope(reference), ManifestRequest(HttpMethod.Get, uri), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            throw new RegistryException($"manifest unknown: {reference}", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        }

        await EnsureSuccessAsync(endpoint, response, $"get manifest {reference}", cancellationToken);
        var content = await ReadAllAsync(endpoint, response, _options.MaxManifestBytes, $"the manifest of {reference}", cancellationToken);
        ManifestDocument document;
        try
        {
            document = ManifestDocument.Parse(content, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OciFormatException e)
        {
            throw new RegistryException($"registry sent an unreadable manifest for {reference}: {e.Message}", null, null, e);
        }

        if (reference.Digest is { } expected && document.Digest != expected)
        {
            throw new DigestMismatchException(expected, document.Digest.ToString(), $"manifest of {reference} hashes to {document.Digest}, not {expected}");
        }

        return document;
    }

    /// <summary>Resolves a reference and, for an index, picks <paramref name="platform"/>'s manifest.</summary>
    public async Task<ResolvedImage> ResolvePlatformAsync(ImageReference reference, Platform platform, CancellationToken cancellationToken = default)
    {
        var root = await GetManifestAsync(reference, cancellationToken);
        var rootDescriptor = new Descriptor { MediaType = root.MediaType, Digest = root.Digest, Size = root.Content.Length };
        if (!root.IsIndex)
        {
            return new ResolvedImage(reference, rootDescriptor, null, root);
        }

        var chosen = root.Index!.FindManifest(platform)
            ?? throw new RegistryException($"no image for platform {platform} in {reference}; it offers: {string.Join(", ", root.Index.Platforms.Distinct())}", null, "PLATFORM_NOT_FOUND");
        var manifest = await GetManifestAsync(reference.WithDigest(chosen.Digest), cancellationToken);
        if (manifest.IsIndex)
        {
            throw new RegistryException($"{reference} for {platform} points at another index ({chosen.Digest}); nested indexes are not supported");
        }

        return new ResolvedImage(reference, rootDescriptor, root, manifest);
    }

    /// <summary>A small blob (config) in memory, verified against its descriptor's digest and size; at most <see cref="RegistryClientOptions.MaxBufferedBlobBytes"/>.</summary>
    public async Task<byte[]> GetBlobAsync(ImageReference repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (blob.Size > _options.MaxBufferedBlobBytes)
        {
            throw new RegistryException($"blob {blob.Digest} of {repository.Repository} is {blob.Size} bytes, more than the {_options.MaxBufferedBlobBytes} this client holds in memory");
        }

        using var buffer = new MemoryStream();
        await DownloadBlobAsync(repository, blob, buffer, null, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Streams a blob into <paramref name="destination"/>, which already holds the blob's first
    /// <c>destination.Position</c> bytes when it is seekable (0 for a fresh download, more for one kept from an
    /// interrupted pull). Reports the bytes of the blob held so far. A transfer that breaks, stalls or crawls continues
    /// with a <c>Range</c> request from what arrived, as does a kept download; a registry that answers 200, 416 or another
    /// range than asked makes it start over. Throws <see cref="DigestMismatchException"/> on a size mismatch, and on a
    /// digest mismatch when this call streamed the whole blob; the digest of a download that continued a kept prefix
    /// is for the destination to check (the store's ingest re-hashes the prefix).
    /// </summary>
    public async Task DownloadBlobAsync(ImageReference repository, Descriptor blob, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var uri = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{blob.Digest}");
        using var transfer = new BlobTransfer(blob, destination);
        if (transfer.Held > 0)
        {
            _logger.LogInformation("resuming download of {Digest} from {Repository} at {Bytes} of {Size} bytes", blob.Digest, repository.Repository, transfer.Held, blob.Size);
        }

        var failures = 0;
        while (true)
        {
            var before = transfer.Held;
            try
            {
                await DownloadOnceAsync(endpoint, repository, transfer, uri, progress, cancellationToken);
                return;
            }
            catch (Exception e) when (IsBrokenTransfer(e) && !cancellationToken.IsCancellationRequested)
            {
                // A connection that broke after bringing a useful share starts the count afresh: cut again and again,
                // the download still ends, as each cut leaves fewer bytes to fetch. A stall or a crawl always counts,
                // else a registry dripping a few bytes per attempt would be retried forever.
                failures = e is not TimeoutException && transfer.Held - before >= ProgressThatResetsRetries ? 1 : failures + 1;
                if (!destination.CanSeek || failures > _options.MaxRetries)
                {
                    throw new RegistryException(RegistryFailure.Describe(e, $"registry {endpoint.Registry}", _options, cancellationToken) + $" (download {blob.Digest})", null, null, e);
                }

                _logger.LogWarning("download of {Digest} from {Repository} broke at {Bytes} of {Size} bytes ({Error}); continuing it", blob.Digest, repository.Repository, transfer.Held, blob.Size, e.Message);
                transfer.Resynchronise();
                await Task.Delay(RetryDelay.For(failures - 1, _options), _options.TimeProvider, cancellationToken);
            }
        }
    }

    public async Task<bool> BlobExistsAsync(ImageReference repository, Digest digest, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var uri = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{digest}");
        using var response = await SendAsync(endpoint, PullScope(repository), new HttpRequestMessage(HttpMethod.Head, uri), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(endpoint, response, $"check blob {digest} in {repository.Repository}", cancellationToken);
        return true;
    }

    /// <summary>Uploads a blob unless the registry has it already; a failed upload starts again with fresh content.</summary>
    public async Task PushBlobAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var scope = PushScope(repository);
        var existing = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{blob.Digest}");
        using (var head = await SendAsync(endpoint, scope, new HttpRequestMessage(HttpMethod.Head, existing), cancellationToken))
        {
            if (head.IsSuccessStatusCode)
            {
                return;
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await UploadOnceAsync(endpoint, repository, blob, openContent, cancellationToken);
                return;
            }
            catch (RegistryException e) when (attempt < _options.MaxRetries && (e.StatusCode is null || (int)e.StatusCode >= 500) && e is not DigestMismatchException && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("upload of {Digest} to {Repository} failed ({Error}); starting it again", blob.Digest, repository.Repository, e.Message);
                await Task.Delay(RetryDelay.For(attempt, _options), _options.TimeProvider, cancellationToken);
            }
        }
    }

    /// <summary>PUTs a manifest or index at the reference's tag (or digest); returns the digest the registry reports.</summary>
    public async Task<Digest> PushManifestAsync(ImageReference reference, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(reference.Domain);
        var uri = ManifestUri(endpoint, reference);
        var bytes = content.ToArray();
        var body = new ByteArrayContent(bytes);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await SendAsync(endpoint, PushScope(reference), new HttpRequestMessage(HttpMethod.Put, uri) { Content = body }, cancellationToken);
        await EnsureSuccessAsync(endpoint, response, $"push manifest {reference}", cancellationToken);
        var computed = Digest.Compute(bytes);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var reported) && reported != computed)
        {
            throw new DigestMismatchException(computed, reported.ToString(), $"registry stored the manifest of {reference} as {reported}, expected {computed}");
        }

        return computed;
    }

    /// <summary>Every tag of a repository, following <c>Link</c> pagination; each page at most <see cref="RegistryClientOptions.MaxTagPageBytes"/>.</summary>
    public async IAsyncEnumerable<string> ListTagsAsync(ImageReference repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        Uri? next = new(endpoint.BaseAddress, $"v2/{repository.Path}/tags/list");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (next is not null)
        {
            var page = next;
            List<string> names;
            using (var response = await SendAsync(endpoint, PullScope(repository), new HttpRequestMessage(HttpMethod.Get, page), cancellationToken))
            {
                if (response.StatusCode is HttpStatusCode.NotFound)
                {
                    throw new RegistryException($"repository unknown: {repository.Repository}", HttpStatusCode.NotFound, "NAME_UNKNOWN");
                }

                await EnsureSuccessAsync(endpoint, response, $"list tags of {repository.Repository}", cancellationToken);
                var body = await ReadAllAsync(endpoint, response, _options.MaxTagPageBytes, $"a tag-list page of {repository.Repository}", cancellationToken);
                names = ParseTags(body, repository);
                next = NextPage(endpoint, response);
            }

            foreach (var name in names.Where(seen.Add))
            {
                yield return name;
            }
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal static Uri? NextPage(RegistryEndpoint endpoint, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';');
            if (parts.Length < 2 || !parts.Skip(1).Any(p => p.Trim().Replace(" ", string.Empty, StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
            {
                continue;
            }

            var target = parts[0].Trim().TrimStart('<').TrimEnd('>');
            if (Uri.TryCreate(target, UriKind.RelativeOrAbsolute, out var uri))
            {
                var absolute = uri.IsAbsoluteUri ? uri : new Uri(endpoint.BaseAddress, uri);
                // Pagination never leaves the registry.
                return absolute.Authority == endpoint.BaseAddress.Authority ? absolute : null;
            }
        }

        return null;
    }

    private static List<string> ParseTags(byte[] body, ImageReference repository)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var names = new List<string>();
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
            {
                names.AddRange(tags.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() : null).OfType<string>());
            }

            return names;
        }
        catch (JsonException e)
        {
            throw new RegistryException($"registry sent an unreadable tag list for {repository.Repository}: {e.Message}", null, null, e);
        }
    }

    /// <summary>Bytes one broken attempt must bring for it not to count against the retries.</summary>
    private const long ProgressThatResetsRetries = 64 * 1024;

    private static bool IsBrokenTransfer(Exception e) => e is IOException or HttpRequestException or TimeoutException;

    private RegistryEndpoint Endpoint(string registry)
    {
        try
        {
            return RegistryEndpoint.For(registry, _options.InsecureRegistries);
        }
        catch (ArgumentException e)
        {
            throw new RegistryException(e.Message, null, null, e);
        }
    }

    private static string PullScope(ImageReference reference) => $"repository:{reference.Path}:pull";

    private static string PushScope(ImageReference reference) => $"repository:{reference.Path}:pull,push";

    private static Uri ManifestUri(RegistryEndpoint endpoint, ImageReference reference) =>
        new(endpoint.BaseAddress, $"v2/{reference.Path}/manifests/{reference.Identifier}");

    private static HttpRequestMessage ManifestRequest(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
        return request;
    }

    private async Task UploadOnceAsync(RegistryEndpoint endpoint, ImageReference repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken)
    {
        var scope = PushScope(repository);
        Uri location;
        using (var start = await SendAsync(endpoint, scope, new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/uploads/")), cancellationToken))
        {
            await EnsureSuccessAsync(endpoint, start, $"start upload to {repository.Repository}", cancellationToken);
            location = start.Headers.Location is { } l
                ? (l.IsAbsoluteUri ? l : new Uri(endpoint.BaseAddress, l))
                : throw new RegistryException($"registry {repository.Domain} started an upload without a Location");
        }

        if (location.Scheme != endpoint.BaseAddress.Scheme)
        {
            throw new RegistryException($"registry {repository.Domain} gave an upload location with scheme '{location.Scheme}'; refused");
        }

        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        var put = new Uri(location + separator + "digest=" + Uri.EscapeDataString(blob.Digest.ToString()));
        var content = new StreamContent(openContent());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = blob.Size;
        var request = new HttpRequestMessage(HttpMethod.Put, put) { Content = content };
        // The body is a stream read once; this method starts the whole upload again instead.
        request.Options.Set(RegistryRequest.NoRetry, true);
        using var response = await SendAsync(endpoint, scope, request, cancellationToken);
        await EnsureSuccessAsync(endpoint, response, $"upload {blob.Digest} to {repository.Repository}", cancellationToken);
    }

    /// <summary>One request for what the transfer still lacks; a registry that does not serve the range asked for makes it start over.</summary>
    private async Task DownloadOnceAsync(RegistryEndpoint endpoint, ImageReference repository, BlobTransfer transfer, Uri uri, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var blob = transfer.Blob;
        if (transfer.Held == blob.Size)
        {
            transfer.Verify(repository);
            return;
        }

        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        var offset = transfer.Held;
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        using var response = await SendAsync(endpoint, PullScope(repository), request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            throw new RegistryException($"blob unknown: {blob.Digest} in {repository.Repository}", HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        }

        if (offset > 0 && RangeRefusal(response, offset, blob.Size) is { } refusal)
        {
            _logger.LogWarning("registry {Registry} {Refusal} for {Digest} at byte {Offset}; downloading it again from the start", endpoint.Registry, refusal, blob.Digest, offset);
            transfer.StartOver();
            if (response.StatusCode is not HttpStatusCode.OK)
            {
                response.Dispose();
                await DownloadOnceAsync(endpoint, repository, transfer, uri, progress, cancellationToken);
                return;
            }
        }
        else
        {
            await EnsureSuccessAsync(endpoint, response, $"download {blob.Digest} from {repository.Repository}", cancellationToken);
        }

        var expected = blob.Size - transfer.Held;
        if (response.Content.Headers.ContentLength is { } announced && announced != expected)
        {
            throw new DigestMismatchException(blob.Digest, $"{announced} bytes", $"blob {blob.Digest} from {repository.Repository} is announced as {announced} bytes, {expected} were expected (its descriptor says {blob.Size} in all)");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            int read;
            // The body is guarded: a stall or a crawl ends this read with a TimeoutException.
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (transfer.Held + read > blob.Size)
                {
                    throw new DigestMismatchException(blob.Digest, $"more than {blob.Size} bytes", $"blob {blob.Digest} from {repository.Repository} is larger than its descriptor's {blob.Size} bytes");
                }

                await transfer.AppendAsync(buffer.AsMemory(0, read), cancellationToken);
                progress?.Report(transfer.Held);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        if (transfer.Held != blob.Size)
        {
            throw new DigestMismatchException(blob.Digest, $"{transfer.Held} bytes", $"blob {blob.Digest} from {repository.Repository} has {transfer.Held} bytes, its descriptor says {blob.Size}");
        }

        transfer.Verify(repository);
    }

    /// <summary>Why an answer to <c>Range: bytes=offset-</c> cannot continue the download, or null when it can (a matching 206).</summary>
    private static string? RangeRefusal(HttpResponseMessage response, long offset, long size)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return "ignored the range and sent the whole blob";
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                return "refused the range (416)";
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                return range is { Unit: "bytes", From: { } from, To: { } to } && from == offset && to == size - 1 && (range.Length is null || range.Length == size)
                    ? null
                    : $"answered another range ({range?.ToString() ?? "no Content-Range"})";
            default:
                return null;
        }
    }


    /// <summary>Sends through the pipeline with this client's credentials; transport failures become one-line <see cref="RegistryException"/>s.</summary>
    private async Task<HttpResponseMessage> SendAsync(RegistryEndpoint endpoint, string scope, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            request.Options.Set(RegistryRequest.Endpoint, endpoint);
            request.Options.Set(RegistryRequest.Scope, scope);
            request.Options.Set(RegistryRequest.Credentials, _credentials);
            try
            {
                return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (Exception e) when (e is not RegistryException && RegistryFailure.Describe(e, $"registry {endpoint.Registry} ({endpoint.BaseAddress.Scheme})", _options, cancellationToken) is { } message)
            {
                throw new RegistryException($"{message} ({request.Method} {request.RequestUri!.AbsolutePath})", null, null, e);
            }
        }
    }

    private async Task<byte[]> ReadAllAsync(RegistryEndpoint endpoint, HttpResponseMessage response, long limit, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await BodyReader.ReadAllAsync(response, limit, () => $"{what} is larger than {limit} bytes; refused", cancellationToken);
        }
        catch (Exception e) when (e is not RegistryException && RegistryFailure.Describe(e, $"registry {endpoint.Registry}", _options, cancellationToken) is { } message)
        {
            throw new RegistryException($"{message} (reading {what})", null, null, e);
        }
    }

    private async Task EnsureSuccessAsync(RegistryEndpoint endpoint, HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? code = null, message = null;
        try
        {
            // Only the start of an error body is read: a registry cannot make the client hold a huge one.
            var body = await BodyReader.ReadPrefixAsync(response, _options.MaxErrorBodyBytes, cancellationToken);
            if (body.Length > 0)
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                {
                    var first = errors[0];
                    code = first.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    message = first.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or TimeoutException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // The status says enough; an unreadable, truncated or stalled error body adds nothing.
        }

        var status = (int)response.StatusCode;
        var detail = (message ?? response.ReasonPhrase ?? "request failed").ReplaceLineEndings(" ");
        if (detail.Length > 300)
        {
            detail = detail[..300] + "…";
        }

        var prefix = code is null ? string.Empty : code.ToLowerInvariant().Replace('_', ' ') + ": ";
        throw new RegistryException($"{prefix}{what} failed with {status}: {detail}", response.StatusCode, code ?? (response.StatusCode is HttpStatusCode.Unauthorized ? "UNAUTHORIZED" : null));
    }
}
