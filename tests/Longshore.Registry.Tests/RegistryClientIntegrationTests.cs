using System.Net;
using Longshore.Oci;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Registry.Tests;

[Collection(RegistryCollection.Name)]
public sealed class RegistryClientIntegrationTests(RegistryFixture anonymous, AuthRegistryFixture authenticated)
{
    private static readonly RegistryClientOptions Fast = new() { MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };

    [Fact]
    public async Task Resolves_a_tag_to_the_manifest_digest_with_head()
    {
        var image = new TestImageBuilder().WithFile("etc/a", "a").Build();
        await Skopeo.PublishAsync(image, anonymous.Server, "reg/resolve:1");
        using var client = new RegistryClient(Fast);
        var descriptor = await client.ResolveAsync(ImageReference.Parse(anonymous.Server.Reference("reg/resolve:1")));
        descriptor.Digest.Should().Be(image.ManifestDigest);
        descriptor.MediaType.Should().Be(MediaTypes.OciManifest);
        descriptor.Size.Should().Be(image.ManifestBytes.Length);
    }

    [Fact]
    public async Task Picks_the_platform_from_an_index_and_keeps_the_index_digest()
    {
        var index = new TestIndexBuilder()
            .Add(new TestImageBuilder().WithFile("arch", "amd64").Build())
            .Add(new TestImageBuilder().WithPlatform("linux/arm64").WithFile("arch", "arm64").Build())
            .UseDockerMediaTypes()
            .Build();
        await Skopeo.PublishAsync(index, anonymous.Server, "reg/multi:1");
        using var client = new RegistryClient(Fast);
        var reference = ImageReference.Parse(anonymous.Server.Reference("reg/multi:1"));

        var arm = await client.ResolvePlatformAsync(reference, Platform.Parse("linux/arm64/v8"));
        arm.RepoDigest.Should().Be(index.Digest);
        arm.Manifest.Digest.Should().Be(index.For("linux/arm64").ManifestDigest);

        var act = () => client.ResolvePlatformAsync(reference, Platform.Parse("linux/s390x"));
        (await act.Should().ThrowAsync<RegistryException>()).WithMessage("*linux/s390x*linux/amd64*linux/arm64*");
    }

    [Fact]
    public async Task Downloads_verified_blobs_and_rejects_a_corrupted_one()
    {
        var image = new TestImageBuilder().WithRandomLayer(200_000, 11).WithFile("x", "y").Build();
        await Skopeo.PublishAsync(image, anonymous.Server, "reg/blobs:1");
        using var client = new RegistryClient(Fast);
        var repository = ImageReference.Parse(anonymous.Server.Reference("reg/blobs:1"));

        using var good = new MemoryStream();
        long reported = 0;
        await client.DownloadBlobAsync(repository, image.Layers[0].Descriptor, good, new Progress<long>(b => reported = b));
        good.ToArray().Should().Equal(image.Layers[0].Content);
        (await client.GetBlobAsync(repository, image.ConfigDescriptor)).Should().Equal(image.ConfigBytes);

        var path = anonymous.Server.BlobDataPath(image.Layers[1].Digest);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^5] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        var act = () => client.DownloadBlobAsync(repository, image.Layers[1].Descriptor, new MemoryStream());
        (await act.Should().ThrowAsync<DigestMismatchException>()).Which.Expected.Should().Be(image.Layers[1].Digest);
    }

    [Fact]
    public async Task Missing_tag_is_manifest_unknown()
    {
        using var client = new RegistryClient(Fast);
        var act = () => client.ResolveAsync(ImageReference.Parse(anonymous.Server.Reference("reg/nothing:nope")));
        var error = (await act.Should().ThrowAsync<RegistryException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.NotFound);
        error.Message.Should().Contain("manifest unknown").And.Contain("reg/nothing:nope");
    }

    [Fact]
    public async Task Basic_auth_works_with_credentials_and_fails_clearly_without()
    {
        var image = new TestImageBuilder().WithFile("private", "p").Build();
        await Skopeo.PublishAsync(image, authenticated.Server, "reg/private:1");
        var reference = ImageReference.Parse(authenticated.Server.Reference("reg/private:1"));

        using var anonymousClient = new RegistryClient(Fast);
        var act = () => anonymousClient.ResolveAsync(reference);
        var error = (await act.Should().ThrowAsync<RegistryException>()).Which;
        error.ErrorCode.Should().Be("UNAUTHORIZED");
        error.Message.Should().Contain(authenticated.Server.Host);

        var wrong = new RegistryClient(Fast with { Credentials = _ => new RegistryCredential { Username = AuthRegistryFixture.Username, Password = "wrong" } });
        using (wrong)
        {
            var wrongAct = () => wrong.ResolveAsync(reference);
            (await wrongAct.Should().ThrowAsync<RegistryException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using var client = new RegistryClient(Fast with { Credentials = host => host == authenticated.Server.Host ? new RegistryCredential { Username = AuthRegistryFixture.Username, Password = AuthRegistryFixture.Password } : null });
        (await client.ResolveAsync(reference)).Digest.Should().Be(image.ManifestDigest);
        (await client.GetBlobAsync(reference, image.ConfigDescriptor)).Should().Equal(image.ConfigBytes);
    }

    [Fact]
    public async Task Pushes_blobs_and_a_manifest_that_skopeo_then_reads()
    {
        var image = new TestImageBuilder().WithFile("pushed", "yes").WithLabel("pushed", "true").Build();
        using var client = new RegistryClient(Fast);
        var target = ImageReference.Parse(anonymous.Server.Reference("reg/pushed:v1"));
        foreach (var layer in image.Layers)
        {
            await client.PushBlobAsync(target, layer.Descriptor, () => new MemoryStream(layer.Content));
        }

        await client.PushBlobAsync(target, image.ConfigDescriptor, () => new MemoryStream(image.ConfigBytes));
        (await client.BlobExistsAsync(target, image.ConfigDigest)).Should().BeTrue();
        var digest = await client.PushManifestAsync(target, image.ManifestMediaType, image.ManifestBytes);
        digest.Should().Be(image.ManifestDigest);

        var raw = await Skopeo.InspectAsync("docker://" + target, raw: true);
        raw.Should().Be(System.Text.Encoding.UTF8.GetString(image.ManifestBytes));
        // A second push of the same blob is a no-op the registry accepts.
        await client.PushBlobAsync(target, image.ConfigDescriptor, () => throw new InvalidOperationException("must not be read"));
    }

    [Fact]
    public async Task Lists_every_tag()
    {
        var image = new TestImageBuilder().WithFile("tags", "t").Build();
        foreach (var tag in new[] { "a", "b", "c" })
        {
            await Skopeo.PublishAsync(image, anonymous.Server, $"reg/tags:{tag}");
        }

        using var client = new RegistryClient(Fast);
        var tags = new List<string>();
        await foreach (var tag in client.ListTagsAsync(ImageReference.Parse(anonymous.Server.Reference("reg/tags"))))
        {
            tags.Add(tag);
        }

        tags.Should().BeEquivalentTo("a", "b", "c");
    }

    [Fact]
    public async Task Ping_reports_an_unreachable_registry()
    {
        using var client = new RegistryClient(Fast with { RequestTimeout = TimeSpan.FromSeconds(2) });
        await client.PingAsync(anonymous.Server.Host);
        var act = () => client.PingAsync($"127.0.0.1:{FreePort.Next()}");
        (await act.Should().ThrowAsync<RegistryException>()).WithMessage("cannot reach registry 127.0.0.1:*");
    }
}
