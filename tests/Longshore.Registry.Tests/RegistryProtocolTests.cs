using System.Net;
using System.Text;
using Longshore.Oci;
using Microsoft.Extensions.Time.Testing;

namespace Longshore.Registry.Tests;

public sealed class RegistryProtocolTests
{
    private static readonly RegistryClientOptions Fast = new() { MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5) };
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}");

    [Fact]
    public void Parses_a_bearer_challenge()
    {
        var challenge = AuthChallenge.Parse("Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:a/b:pull,push\"")!;
        challenge.IsBearer.Should().BeTrue();
        challenge.Realm.Should().Be("https://auth.example.com/token");
        challenge.Service.Should().Be("registry.example.com");
        challenge.Scope.Should().Be("repository:a/b:pull,push");
        AuthChallenge.Parse("Basic realm=\"x\"")!.IsBasic.Should().BeTrue();
        AuthChallenge.Parse("Bearer realm=\"unterminated").Should().BeNull();
    }

    [Fact]
    public async Task Bearer_flow_fetches_a_token_with_credentials_and_caches_it_until_it_expires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokensIssued = 0;
        var handler = new FakeRegistryHandler((request, _) =>
        {
            if (request.RequestUri!.Host == "auth.example.com")
            {
                request.Headers.Authorization!.Scheme.Should().Be("Basic");
                request.RequestUri.Query.Should().Contain("scope=repository%3Alib%2Fapp%3Apull").And.Contain("service=reg");
                tokensIssued++;
                return Json($"{{\"token\":\"t{tokensIssued}\",\"expires_in\":300}}");
            }

            if (request.Headers.Authorization?.Parameter != $"t{tokensIssued}")
            {
                var unauthorized = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                unauthorized.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example.com/token\",service=\"reg\",scope=\"repository:lib/app:pull\"");
                return unauthorized;
            }

            return ManifestResponse();
        });
        using var client = new RegistryClient(Fast with { TimeProvider = time, Credentials = _ => new RegistryCredential { Username = "u", Password = "p" } }, handler);
        var reference = ImageReference.Parse("registry.example.com/lib/app:1");

        await client.ResolveAsync(reference);
        await client.ResolveAsync(reference);
        tokensIssued.Should().Be(1);
        time.Advance(TimeSpan.FromMinutes(10));
        await client.ResolveAsync(reference);
        tokensIssued.Should().Be(2);
        handler.Requests.Where(r => r.RequestUri!.Host == "registry.example.com").Should().OnlyContain(r => r.RequestUri!.Scheme == "https");
    }

    [Fact]
    public async Task Identity_token_is_exchanged_with_a_refresh_token_grant()
    {
        string? form = null;
        var handler = new FakeRegistryHandler((request, _) =>
        {
            if (request.RequestUri!.Host == "auth.example.com")
            {
                request.Method.Should().Be(HttpMethod.Post);
                form = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
                return Json("{\"access_token\":\"at\"}");
            }

            if (request.Headers.Authorization?.Parameter != "at")
            {
                var unauthorized = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                unauthorized.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example.com/token\",service=\"reg\"");
                return unauthorized;
            }

            return ManifestResponse();
        });
        using var client = new RegistryClient(Fast with { Credentials = _ => new RegistryCredential { IdentityToken = "refresh-me" } }, handler);
        await client.ResolveAsync(ImageReference.Parse("registry.example.com/app:1"));
        form.Should().Contain("grant_type=refresh_token").And.Contain("refresh_token=refresh-me");
    }

    [Fact]
    public async Task Retries_5xx_and_429_honouring_retry_after()
    {
        var handler = new FakeRegistryHandler((_, n) => n switch
        {
            1 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            2 => TooMany(),
            _ => ManifestResponse(),
        });
        using var client = new RegistryClient(Fast, handler);
        var descriptor = await client.ResolveAsync(ImageReference.Parse("registry.example.com/app:1"));
        descriptor.Digest.Should().Be(Digest.Compute(Manifest));
        handler.Requests.Should().HaveCount(3);

        static HttpResponseMessage TooMany()
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMilliseconds(1));
            return response;
        }
    }

    [Fact]
    public async Task Gives_up_after_the_configured_retries()
    {
        var handler = new FakeRegistryHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var client = new RegistryClient(Fast, handler);
        var act = () => client.PingAsync("registry.example.com");
        (await act.Should().ThrowAsync<RegistryException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        handler.Requests.Should().HaveCount(Fast.MaxRetries + 1);
    }

    [Fact]
    public async Task Redirect_to_another_host_drops_the_authorization_header()
    {
        var blob = Encoding.UTF8.GetBytes("blob content");
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(blob), Size = blob.Length };
        var handler = new FakeRegistryHandler((request, _) =>
        {
            if (request.RequestUri!.Host == "storage.example.net")
            {
                request.Headers.Authorization.Should().BeNull();
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(blob) };
            }

            if (request.Headers.Authorization is null)
            {
                var unauthorized = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                unauthorized.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"r\"");
                return unauthorized;
            }

            var redirect = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
            redirect.Headers.Location = new Uri("https://storage.example.net/signed?x=1");
            return redirect;
        });
        using var client = new RegistryClient(Fast with { Credentials = _ => new RegistryCredential { Username = "u", Password = "p" } }, handler);
        (await client.GetBlobAsync(ImageReference.Parse("registry.example.com/app"), descriptor)).Should().Equal(blob);
    }

    [Fact]
    public async Task Size_mismatch_is_rejected()
    {
        var blob = Encoding.UTF8.GetBytes("twelve bytes");
        var handler = new FakeRegistryHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(blob) });
        using var client = new RegistryClient(Fast, handler);
        var act = () => client.GetBlobAsync(ImageReference.Parse("registry.example.com/app"), new Descriptor { MediaType = "x", Digest = Digest.Compute(blob), Size = 5 });
        await act.Should().ThrowAsync<DigestMismatchException>();
    }

    [Fact]
    public async Task Follows_link_pagination()
    {
        var handler = new FakeRegistryHandler((request, _) =>
        {
            if (request.RequestUri!.Query.Contains("last=b", StringComparison.Ordinal))
            {
                return Json("{\"name\":\"app\",\"tags\":[\"c\"]}");
            }

            var page = Json("{\"name\":\"app\",\"tags\":[\"a\",\"b\"]}");
            page.Headers.TryAddWithoutValidation("Link", "</v2/app/tags/list?n=2&last=b>; rel=\"next\"");
            return page;
        });
        using var client = new RegistryClient(Fast, handler);
        var tags = new List<string>();
        await foreach (var tag in client.ListTagsAsync(ImageReference.Parse("registry.example.com/app")))
        {
            tags.Add(tag);
        }

        tags.Should().Equal("a", "b", "c");
    }

    [Fact]
    public async Task Distribution_errors_carry_their_code()
    {
        var handler = new FakeRegistryHandler((_, _) => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}"),
        });
        using var client = new RegistryClient(Fast, handler);
        var act = () => client.GetManifestAsync(ImageReference.Parse("registry.example.com/app:1"));
        var error = (await act.Should().ThrowAsync<RegistryException>()).Which;
        error.ErrorCode.Should().Be("DENIED");
        error.Message.Should().Contain("denied").And.Contain("registry.example.com/app:1");
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "http")]
    [InlineData("localhost:5000", "http")]
    [InlineData("[::1]:5000", "http")]
    [InlineData("registry.example.com", "https")]
    [InlineData("insecure.example.com:5000", "http")]
    public void Plain_http_only_for_loopback_and_insecure_hosts(string host, string scheme)
    {
        RegistryEndpoint.For(host, ["insecure.example.com:5000"]).BaseAddress.Scheme.Should().Be(scheme);
    }

    [Fact]
    public void Docker_hub_is_reached_at_its_api_host() =>
        RegistryEndpoint.For("docker.io", []).BaseAddress.Host.Should().Be("registry-1.docker.io");

    [Theory]
    [InlineData("user:pass@registry.example.com")]
    [InlineData("registry.example.com/path")]
    [InlineData("https://registry.example.com")]
    [InlineData("bad host")]
    [InlineData("")]
    public void Rejects_hosts_that_are_not_host_and_port(string host)
    {
        var act = () => RegistryEndpoint.Validate(host);
        act.Should().Throw<ArgumentException>().WithMessage("*expected host[:port]*");
    }

    [Fact]
    public async Task Digest_reference_content_is_verified()
    {
        var handler = new FakeRegistryHandler((_, _) => ManifestResponse());
        using var client = new RegistryClient(Fast, handler);
        var wrong = ImageReference.Parse("registry.example.com/app@sha256:" + new string('a', 64));
        var act = () => client.GetManifestAsync(wrong);
        await act.Should().ThrowAsync<DigestMismatchException>();
    }

    [Fact]
    public async Task Resolution_cache_shares_requests_and_serves_last_known_good_when_unreachable()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        var fail = false;
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute(Manifest), Size = Manifest.Length };
        var cache = new ResolutionCache(
            async (_, _) =>
            {
                Interlocked.Increment(ref calls);
                await Task.Delay(20);
                return fail ? throw new RegistryException("cannot reach registry") : descriptor;
            },
            TimeSpan.FromMinutes(1),
            time);
        var reference = ImageReference.Parse("registry.example.com/app:1");

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => cache.ResolveAsync(reference)));
        calls.Should().Be(1);
        results.Should().OnlyContain(r => r.Descriptor == descriptor && !r.Stale);

        time.Advance(TimeSpan.FromMinutes(2));
        fail = true;
        var stale = await cache.ResolveAsync(reference);
        stale.Stale.Should().BeTrue();
        stale.Descriptor.Should().Be(descriptor);
        calls.Should().Be(2);
    }

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage ManifestResponse()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Manifest) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
        response.Headers.TryAddWithoutValidation("Docker-Content-Digest", Digest.Compute(Manifest).ToString());
        return response;
    }
}
