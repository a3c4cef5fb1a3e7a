using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// Answers a registry's <c>WWW-Authenticate</c> challenge (Basic, or Bearer through its token service) with the
/// credentials the request carries, and caches the resulting Authorization per registry, scope and credential, so
/// two pull secrets for one registry never share a token. Credentials go only to the registry's own scheme and
/// authority, and never to a plain-http token service of an https registry.
/// </summary>
internal sealed class AuthenticationHandler(RegistryClientOptions options) : DelegatingHandler
{
    private const int MaxCachedTokens = 4096;
    private readonly ConcurrentDictionary<(string Registry, string Scope, string Identity), BearerToken> _tokens = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(RegistryRequest.Endpoint, out var endpoint) || !IsRegistry(endpoint, request.RequestUri!))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var scope = request.Options.TryGetValue(RegistryRequest.Scope, out var s) ? s : string.Empty;
        var credential = request.Options.TryGetValue(RegistryRequest.Credentials, out var find) ? find(endpoint.Registry) : null;
        var identity = Identity(credential);
        if (Cached(endpoint.Registry, scope, identity) is { } cached)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(cached.HeaderValue);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode is not HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.Parse(h.ToString())).FirstOrDefault(c => c is not null);
        response.Dispose();
        var token = await AuthenticateAsync(endpoint, scope, identity, challenge, credential, cancellationToken);
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(token.HeaderValue);
        return await base.SendAsync(request, cancellationToken);
    }

    private static bool IsRegistry(RegistryEndpoint endpoint, Uri uri) =>
        uri.Scheme == endpoint.BaseAddress.Scheme && uri.Authority == endpoint.BaseAddress.Authority;

    /// <summary>A stable, secret-free key for a credential: its hash, so cached tokens follow the credential that earned them.</summary>
    private static string Identity(RegistryCredential? credential)
    {
        if (credential is null || credential.IsEmpty)
        {
            return "anonymous";
        }

        var material = string.Join('\0', credential.Username, credential.Password, credential.IdentityToken, credential.RegistryToken);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    private BearerToken? Cached(string registry, string scope, string identity)
    {
        var now = options.TimeProvider.GetUtcNow();
        if (_tokens.TryGetValue((registry, scope, identity), out var token) && token.ExpiresAt > now)
        {
            return token;
        }

        // Basic credentials do not depend on the scope.
        return _tokens.TryGetValue((registry, "*", identity), out var basic) ? basic : null;
    }

    private void Remember(string registry, string scope, string identity, BearerToken token)
    {
        if (_tokens.Count >= MaxCachedTokens)
        {
            var now = options.TimeProvider.GetUtcNow();
            foreach (var expired in _tokens.Where(t => t.Value.ExpiresAt <= now).Select(t => t.Key).ToList())
            {
                _tokens.TryRemove(expired, out _);
            }

            if (_tokens.Count >= MaxCachedTokens)
            {
                _tokens.Clear();
            }
        }

        _tokens[(registry, scope, identity)] = token;
    }

    private async Task<BearerToken> AuthenticateAsync(RegistryEndpoint endpoint, string scope, string identity, AuthChallenge? challenge, RegistryCredential? credential, CancellationToken cancellationToken)
    {
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

            var basic = new BearerToken("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")), DateTimeOffset.MaxValue);
            Remember(endpoint.Registry, "*", identity, basic);
            return basic;
        }

        if (!challenge.IsBearer || challenge.Realm is null || !Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
        {
            throw new RegistryException($"registry {endpoint.Registry} sent an unsupported challenge '{challenge.Scheme}' (realm '{challenge.Realm}')", HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        if (endpoint.BaseAddress.Scheme == Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttps)
        {
            throw new RegistryException($"registry {endpoint.Registry} offered its token service over plain http ({realm.GetLeftPart(UriPartial.Path)}); refused", HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }

        BearerToken token;
        if (credential?.RegistryToken is { } registryToken)
        {
            token = new BearerToken("Bearer " + registryToken, DateTimeOffset.MaxValue);
        }
        else
        {
            var effectiveScope = string.IsNullOrEmpty(scope) ? challenge.Scope : scope;
            token = await FetchTokenAsync(endpoint, realm, challenge.Service, effectiveScope, credential, cancellationToken);
        }

        Remember(endpoint.Registry, scope, identity, token);
        return token;
    }

    private async Task<BearerToken> FetchTokenAsync(RegistryEndpoint endpoint, Uri realm, string? service, string? scope, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        using var request = TokenRequest(realm, service, scope, credential);
        var where = $"the token service {realm.GetLeftPart(UriPartial.Path)} for {endpoint.Registry}";
        try
        {
            using var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new RegistryException(
                    $"unauthorized: {where} refused {(credential is null || credential.IsEmpty ? "anonymous access" : "the credentials")} ({(int)response.StatusCode})",
                    HttpStatusCode.Unauthorized,
                    "UNAUTHORIZED");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException($"{where} failed with {(int)response.StatusCode}: {response.ReasonPhrase}", response.StatusCode);
            }

            var body = await BodyReader.ReadAllAsync(response, options.MaxTokenResponseBytes, () => $"{where} sent an answer larger than {options.MaxTokenResponseBytes} bytes; refused", cancellationToken);
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var value = (root.TryGetProperty("token", out var t) ? t.GetString() : null)
                ?? (root.TryGetProperty("access_token", out var a) ? a.GetString() : null)
                ?? throw new RegistryException($"{where} answered without a token");
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0 ? seconds : 60;
            // Renew a little early so a token does not expire between check and use.
            return new BearerToken("Bearer " + value, options.TimeProvider.GetUtcNow().AddSeconds(lifetime * 0.9));
        }
        catch (JsonException)
        {
            throw new RegistryException($"{where} sent an answer that is not JSON");
        }
        catch (Exception e) when (e is not RegistryException && RegistryFailure.Describe(e, where, options, cancellationToken) is { } message)
        {
            throw new RegistryException(message, null, null, e);
        }
    }

    private static HttpRequestMessage TokenRequest(Uri realm, string? service, string? scope, RegistryCredential? credential)
    {
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

            return new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }

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
        var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (credential?.Username is not null && credential.Password is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
        }

        return request;
    }
}
