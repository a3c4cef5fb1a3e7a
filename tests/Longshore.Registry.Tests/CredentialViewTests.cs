using System.Net;
using System.Text;
using Longshore.Oci;

namespace Longshore.Registry.Tests;

/// <summary>One client, many credentials: tokens and cached resolutions never cross from one credential to another.</summary>
public sealed class CredentialViewTests
{
    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}");

    [Fact]
    public async Task Views_with_other_credentials_share_the_client_but_not_the_tokens()
    {
        var issued = new List<string>();
        var handler = new FakeRegistryHandler((request, _) =>
        {
            if (request.RequestUri!.Host == "auth.example.com")
            {
                var user = Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization!.Parameter!)).Split(':')[0];
                issued.Add(user);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"{{\"token\":\"token-of-{user}\",\"expires_in\":300}}") };
            }

            if (request.Headers.Authorization?.Parameter is not { } token || !token.StartsWith("token-of-", StringComparison.Ordinal))
            {
                var unauthorized = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                unauthorized.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example.com/token\",service=\"reg\"");
                return unauthorized;
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Manifest) };
            response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
            response.Headers.TryAddWithoutValidation("Docker-Content-Digest", Digest.Compute(Manifest).ToString());
            return response;
        });
        using var client = new RegistryClient(new RegistryClientOptions { MaxRetries = 0 }, handler);
        var alice = client.WithCredentials(_ => new RegistryCredential { Username = "alice", Password = "a" });
        var bob = client.WithCredentials(_ => new RegistryCredential { Username = "bob", Password = "b" });
        var reference = ImageReference.Parse("registry.example.com/app:1");

        await alice.ResolveAsync(reference);
        await alice.ResolveAsync(reference);
        await bob.ResolveAsync(reference);
        alice.Dispose();
        await bob.ResolveAsync(reference);

        issued.Should().Equal("alice", "bob");
        handler.Requests.Where(r => r.RequestUri!.Host == "registry.example.com" && r.Headers.Authorization is not null)
            .Select(r => r.Headers.Authorization!.Parameter)
            .Should().Contain("token-of-alice").And.Contain("token-of-bob");
    }

    [Fact]
    public async Task Platform_resolutions_are_cached_per_credential_and_outlast_an_outage()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var calls = new List<string?>();
        var down = false;
        var document = ManifestDocument.Parse(Manifest, MediaTypes.OciManifest);
        var reference = ImageReference.Parse("registry.example.com/app:1");
        var image = new ResolvedImage(reference, new Descriptor { MediaType = MediaTypes.OciManifest, Digest = document.Digest, Size = Manifest.Length }, null, document);
        var cache = new ResolutionCache(
            (_, _) => throw new InvalidOperationException("not used"),
            (_, _, credential, _) =>
            {
                calls.Add(credential?.Username);
                return down ? throw new RegistryException("injected outage failed with 503", HttpStatusCode.ServiceUnavailable) : Task.FromResult(image);
            },
            TimeSpan.FromMinutes(1),
            time);
        var amd64 = Platform.Parse("linux/amd64");
        var alice = new RegistryCredential { Username = "alice", Password = "a" };

        (await cache.ResolvePlatformAsync(reference, amd64, alice)).Stale.Should().BeFalse();
        await cache.ResolvePlatformAsync(reference, amd64, alice);
        await cache.ResolvePlatformAsync(reference, amd64, null);
        await cache.ResolvePlatformAsync(reference, amd64, alice with { Password = "changed" });
        calls.Should().Equal("alice", null, "alice");

        time.Advance(TimeSpan.FromMinutes(2));
        down = true;
        var stale = await cache.ResolvePlatformAsync(reference, amd64, alice with { Password = "changed" });
        stale.Stale.Should().BeTrue();
        stale.Image.RepoDigest.Should().Be(document.Digest);

        // A refusal is not an outage: it is not masked.
        var refusing = new ResolutionCache(
            (_, _) => throw new InvalidOperationException("not used"),
            (_, _, _, _) => throw new RegistryException("unauthorized", HttpStatusCode.Unauthorized, "UNAUTHORIZED"),
            TimeSpan.FromMinutes(1),
            time);
        var act = () => refusing.ResolvePlatformAsync(reference, amd64, alice);
        (await act.Should().ThrowAsync<RegistryException>()).Which.ErrorCode.Should().Be("UNAUTHORIZED");
    }
}
