using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Longshore.Oci;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Registry;

/// <summary>An OCI distribution client. Thread-safe; share one per process.</summary>
public sealed class RegistryClient : IDisposable
{
    private const int MaxRedirects = 5;
    private static readonly string ManifestAccept = string.Join(", ", MediaTypes.AllManifests);

    private readonly RegistryClientOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Registry, string Scope), BearerToken> _tokens = new();

    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null, ILogger<RegistryClient>? logger = null)
    {
        _options = options ?? new RegistryClientOptions();
        handler ??= new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = _options.RequestTimeout,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>GET /v2/, authenticating when challenged; throws <see cref="RegistryException"/> when unreachable or refused.</summary>
    public async Task PingAsync(string registry, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(registry);
        using var response = await SendAsync(endpoint, scope: string.Empty, () => new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "v2/")), cancellationToken);
        await EnsureSuccessAsync(response, $"ping {registry}", cancellationToken);
    }

    /// <summary>The descriptor the reference points at (HEAD first, GET fallback), without downloading it.</summary>
    public async Task<Descriptor> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(reference.Domain);
        var uri = ManifestUri(endpoint, reference);
        using (var head = await SendAsync(endpoint, PullScope(reference), () => ManifestRequest(HttpMethod.Head, uri), cancellationToken))
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
        using var response = await SendAsync(endpoint, PullScope(reference), () => ManifestRequest(HttpMethod.Get, uri), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            throw new RegistryException($"manifest unknown: {reference}", HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        }

        await EnsureSuccessAsync(response, $"get manifest {reference}", cancellationToken);
        var content = await ReadLimitedAsync(response, 4 * 1024 * 1024, reference.ToString(), cancellationToken);
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

    /// <summary>A small blob (config) in memory, verified against its descriptor's digest and size.</summary>
    public async Task<byte[]> GetBlobAsync(ImageReference repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await DownloadBlobAsync(repository, blob, buffer, null, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Streams a blob into <paramref name="destination"/> (written from its current position), hashing while it streams;
    /// throws <see cref="DigestMismatchException"/> on digest or size mismatch. Reports bytes written so far.
    /// A transfer that breaks is started again when the destination can be rewound.
    /// </summary>
    public async Task DownloadBlobAsync(ImageReference repository, Descriptor blob, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var uri = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{blob.Digest}");
        var start = destination.CanSeek ? destination.Position : 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await DownloadOnceAsync(endpoint, repository, blob, uri, destination, progress, cancellationToken);
                return;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or TimeoutException && destination.CanSeek && attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("download of {Digest} from {Repository} broke ({Error}); starting it again", blob.Digest, repository.Repository, e.Message);
                destination.Position = start;
                destination.SetLength(start);
                await Task.Delay(RetryDelay.For(attempt, _options), _options.TimeProvider, cancellationToken);
            }
        }
    }

    public async Task<bool> BlobExistsAsync(ImageReference repository, Digest digest, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var uri = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{digest}");
        using var response = await SendAsync(endpoint, PullScope(repository), () => new HttpRequestMessage(HttpMethod.Head, uri), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, $"check blob {digest} in {repository.Repository}", cancellationToken);
        return true;
    }

    /// <summary>Uploads a blob unless the registry has it already.</summary>
    public async Task PushBlobAsync(ImageReference repository, Descriptor blob, Func<Stream> openContent, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        var scope = PushScope(repository);
        var existing = new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/{blob.Digest}");
        using (var head = await SendAsync(endpoint, scope, () => new HttpRequestMessage(HttpMethod.Head, existing), cancellationToken))
        {
            if (head.IsSuccessStatusCode)
            {
                return;
            }
        }

        Uri location;
        using (var start = await SendAsync(endpoint, scope, () => new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint.BaseAddress, $"v2/{repository.Path}/blobs/uploads/")), cancellationToken))
        {
            await EnsureSuccessAsync(start, $"start upload to {repository.Repository}", cancellationToken);
            location = start.Headers.Location is { } l
                ? (l.IsAbsoluteUri ? l : new Uri(endpoint.BaseAddress, l))
                : throw new RegistryException($"registry {repository.Domain} started an upload without a Location");
        }

        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        var put = new Uri(location + separator + "digest=" + Uri.EscapeDataString(blob.Digest.ToString()));
        using var response = await SendAsync(
            endpoint,
            scope,
            () =>
            {
                var content = new StreamContent(openContent());
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content.Headers.ContentLength = blob.Size;
                return new HttpRequestMessage(HttpMethod.Put, put) { Content = content };
            },
            cancellationToken);
        await EnsureSuccessAsync(response, $"upload {blob.Digest} to {repository.Repository}", cancellationToken);
    }

    /// <summary>PUTs a manifest or index at the reference's tag (or digest); returns the digest the registry reports.</summary>
    public async Task<Digest> PushManifestAsync(ImageReference reference, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(reference.Domain);
        var uri = ManifestUri(endpoint, reference);
        var bytes = content.ToArray();
        using var response = await SendAsync(
            endpoint,
            PushScope(reference),
            () =>
            {
                var body = new ByteArrayContent(bytes);
                body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return new HttpRequestMessage(HttpMethod.Put, uri) { Content = body };
            },
            cancellationToken);
        await EnsureSuccessAsync(response, $"push manifest {reference}", cancellationToken);
        var computed = Digest.Compute(bytes);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var reported) && reported != computed)
        {
            throw new DigestMismatchException(computed, reported.ToString(), $"registry stored the manifest of {reference} as {reported}, expected {computed}");
        }

        return computed;
    }

    /// <summary>Every tag of a repository, following <c>Link</c> pagination.</summary>
    public async IAsyncEnumerable<string> ListTagsAsync(ImageReference repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(repository.Domain);
        Uri? next = new(endpoint.BaseAddress, $"v2/{repository.Path}/tags/list");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (next is not null)
        {
            var page = next;
            using var response = await SendAsync(endpoint, PullScope(repository), () => new HttpRequestMessage(HttpMethod.Get, page), cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotFound)
            {
                throw new RegistryException($"repository unknown: {repository.Repository}", HttpStatusCode.NotFound, "NAME_UNKNOWN");
            }

            await EnsureSuccessAsync(response, $"list tags of {repository.Repository}", cancellationToken);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            if (json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
            {
                foreach (var tag in tags.EnumerateArray())
                {
                    if (tag.GetString() is { } name && seen.Add(name))
                    {
                        yield return name;
                    }
                }
            }

            next = NextPage(endpoint, response);
        }
    }

    public void Dispose() => _http.Dispose();

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

    private async Task DownloadOnceAsync(RegistryEndpoint endpoint, ImageReference repository, Descriptor blob, Uri uri, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(endpoint, PullScope(repository), () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound)
        {
            throw new RegistryException($"blob unknown: {blob.Digest} in {repository.Repository}", HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        }

        await EnsureSuccessAsync(response, $"download {blob.Digest} from {repository.Repository}", cancellationToken);
        using var hasher = blob.Digest.CreateHasher();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        long written = 0;
        try
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                // A stalled transfer fails after RequestTimeout without data instead of hanging forever.
                idle.CancelAfter(_options.RequestTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {_options.RequestTimeout.TotalSeconds:F0} s while downloading {blob.Digest}");
                }

                if (read == 0)
                {
                    break;
                }

                written += read;
                if (written > blob.Size)
                {
                    throw new DigestMismatchException(blob.Digest, $"more than {blob.Size} bytes", $"blob {blob.Digest} from {repository.Repository} is larger than its descriptor's {blob.Size} bytes");
                }

                hasher.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                progress?.Report(written);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        if (written != blob.Size)
        {
            throw new DigestMismatchException(blob.Digest, $"{written} bytes", $"blob {blob.Digest} from {repository.Repository} has {written} bytes, its descriptor says {blob.Size}");
        }

        var actual = blob.Digest.FromHasher(hasher);
        if (actual != blob.Digest)
        {
            throw new DigestMismatchException(blob.Digest, actual.ToString(), $"blob from {repository.Repository} hashes to {actual}, expected {blob.Digest}");
        }
    }

    /// <summary>
    /// Sends with authentication (answering one 401 challenge), redirects (Authorization only to the same host) and
    /// retries with back-off on connection errors, 5xx and 429.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RegistryEndpoint endpoint, string scope, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var challenged = false;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendFollowingRedirectsAsync(endpoint, scope, createRequest, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.MaxRetries)
                {
                    throw new RegistryException($"cannot reach registry {endpoint.Registry} ({endpoint.BaseAddress.Scheme}): {e.Message}", null, null, e);
                }

                await Task.Delay(RetryDelay.For(attempt, _options), _options.TimeProvider, cancellationToken);
                continue;
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized && !challenged)
            {
                challenged = true;
                var challenge = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.Parse(h.ToString())).FirstOrDefault(c => c is not null);
                response.Dispose();
                await AuthenticateAsync(endpoint, scope, challenge, cancellationToken);
                attempt--;
                continue;
            }

            if ((response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500) && attempt < _options.MaxRetries)
            {
                var delay = RetryDelay.For(attempt, _options, response.Headers.RetryAfter);
                _logger.LogDebug("{Registry} answered {Status}; retrying in {Delay}", endpoint.Registry, (int)response.StatusCode, delay);
                response.Dispose();
                await Task.Delay(delay, _options.TimeProvider, cancellationToken);
                continue;
            }

            return response;
        }
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(RegistryEndpoint endpoint, string scope, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var request = createRequest();
        if (_tokens.TryGetValue((endpoint.Registry, scope), out var token) && token.ExpiresAt > _options.TimeProvider.GetUtcNow())
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(token.HeaderValue);
        }

        for (var hop = 0; ; hop++)
        {
            var response = await SendWithTimeoutAsync(request, cancellationToken);
            var redirect = response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
            if (!redirect || response.Headers.Location is null || hop >= MaxRedirects || (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head))
            {
                request.Dispose();
                return response;
            }

            var target = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(request.RequestUri!, response.Headers.Location);
            var next = new HttpRequestMessage(request.Method, target);
            foreach (var accept in request.Headers.Accept)
            {
                next.Headers.Accept.Add(accept);
            }

            // Blob storage behind a redirect gets a signed URL, never the registry's credentials.
            if (request.Headers.Authorization is { } authorization && target.Authority == request.RequestUri!.Authority && target.Scheme == request.RequestUri.Scheme)
            {
                next.Headers.Authorization = authorization;
            }

            response.Dispose();
            request.Dispose();
            request = next;
        }
    }

    private async Task<HttpResponseMessage> SendWithTimeoutAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Method} {request.RequestUri} got no answer within {_options.RequestTimeout.TotalSeconds:F0} s");
        }
    }

    private async Task AuthenticateAsync(RegistryEndpoint endpoint, string scope, AuthChallenge? challenge, CancellationToken cancellationToken)
    {
        var credential = _options.Credentials(endpoint.Registry);
        if (challenge is null)
        {
            throw new RegistryException($"registry {endpoint.Registry} refused the request (401) without a usable WWW-Authenticate challenge", HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        if (challenge.IsBasic)
        {
            if (credential?.Username is null || credential.Password is null)
            {
                throw new RegistryException($"unauthorized: registry {endpoint.Registry} wants a username and password (longshore login {endpoint.Registry})", HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            }

            var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}"));
            _tokens[(endpoint.Registry, scope)] = new BearerToken(basic, DateTimeOffset.MaxValue);
            return;
        }

        if (!challenge.IsBearer || challenge.Realm is null || !Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
        {
            throw new RegistryException($"registry {endpoint.Registry} sent an unsupported challenge '{challenge.Scheme}' (realm '{challenge.Realm}')", HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        if (credential?.RegistryToken is { } registryToken)
        {
            _tokens[(endpoint.Registry, scope)] = new BearerToken("Bearer " + registryToken, DateTimeOffset.MaxValue);
            return;
        }

        var effectiveScope = string.IsNullOrEmpty(scope) ? challenge.Scope : scope;
        var token = await FetchTokenAsync(endpoint, realm, challenge.Service, effectiveScope, credential, cancellationToken);
        _tokens[(endpoint.Registry, scope)] = token;
    }

    private async Task<BearerToken> FetchTokenAsync(RegistryEndpoint endpoint, Uri realm, string? service, string? scope, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        HttpRequestMessage request;
        if (credential?.IdentityToken is { } refresh)
        {
            var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = "longshore" };
            if (service is not null)
            {
                form["service"] = service;
            }

            if (!string.IsNullOrEmpty(scope))
            {
                form["scope"] = scope;
            }

            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new List<string>();
            if (service is not null)
            {
                query.Add("service=" + Uri.EscapeDataString(service));
            }

            if (!string.IsNullOrEmpty(scope))
            {
                query.Add("scope=" + Uri.EscapeDataString(scope));
            }

            var builder = new UriBuilder(realm);
            var existing = builder.Query.TrimStart('?');
            builder.Query = string.Join('&', new[] { existing }.Where(q => q.Length > 0).Concat(query));
            request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
            if (credential?.Username is not null && credential.Password is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
            }
        }

        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendWithTimeoutAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException)
            {
                throw new RegistryException($"cannot reach the token service {realm.GetLeftPart(UriPartial.Path)} for {endpoint.Registry}: {e.Message}", null, null, e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new RegistryException(
                        $"unauthorized: the token service for {endpoint.Registry} refused {(credential is null ? "anonymous access" : "the credentials")} ({(int)response.StatusCode})",
                        HttpStatusCode.Unauthorized,
                        "UNAUTHORIZED");
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
                var root = json.RootElement;
                var value = (root.TryGetProperty("token", out var t) ? t.GetString() : null)
                    ?? (root.TryGetProperty("access_token", out var a) ? a.GetString() : null)
                    ?? throw new RegistryException($"the token service for {endpoint.Registry} answered without a token");
                var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0 ? seconds : 60;
                // Renew a little early so a token does not expire between check and use.
                var expires = _options.TimeProvider.GetUtcNow().AddSeconds(lifetime * 0.9);
                return new BearerToken("Bearer " + value, expires);
            }
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new RegistryException($"manifest of {what} is larger than {limit} bytes");
        }

        using var buffer = new MemoryStream();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                throw new RegistryException($"manifest of {what} is larger than {limit} bytes");
            }
        }

        return buffer.ToArray();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? code = null, message = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (body.Length > 0 && body.Length < 64 * 1024)
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                {
                    var first = errors[0];
                    code = first.TryGetProperty("code", out var c) ? c.GetString() : null;
                    message = first.TryGetProperty("message", out var m) ? m.GetString() : null;
                }
            }
        }
        catch (JsonException)
        {
        }

        var status = (int)response.StatusCode;
        var detail = message ?? response.ReasonPhrase ?? "request failed";
        var prefix = code is null ? string.Empty : code.ToLowerInvariant().Replace('_', ' ') + ": ";
        throw new RegistryException($"{prefix}{what} failed with {status}: {detail}", response.StatusCode, code ?? (response.StatusCode is HttpStatusCode.Unauthorized ? "UNAUTHORIZED" : null));
    }
}
