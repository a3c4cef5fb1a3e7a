using Longshore.TestBed;
using System.Net;
using System.Security.Cryptography;
using System.IO.Compression;
using Longshore.Oci;

namespace Longshore.Testing.Tests;

[Collection(RegistryCollection.Name)]
public sealed class RegistryServerTests(RegistryFixture anonymous, AuthRegistryFixture authenticated)
{
    [Fact]
    public async Task Anonymous_registry_answers_v2()
    {
        using var http = anonymous.Server.CreateHttpClient();
        var response = await http.GetAsync(new Uri("v2/", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Auth_registry_wants_credentials()
    {
        using var without = authenticated.Server.CreateHttpClient(withCredentials: false);
        (await without.GetAsync(new Uri("v2/", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var with = authenticated.Server.CreateHttpClient();
        (await with.GetAsync(new Uri("v2/", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Published_image_keeps_its_manifest_bytes()
    {
        var image = new TestImageBuilder().WithFile("etc/hello", "hi").WithLabel("a", "b").Build();
        await Skopeo.PublishAsync(image, anonymous.Server, "fixtures/one:1");
        var raw = await Skopeo.InspectAsync("docker://" + anonymous.Server.Reference("fixtures/one:1"), raw: true);
        raw.Should().Be(System.Text.Encoding.UTF8.GetString(image.ManifestBytes));
        File.Exists(anonymous.Server.BlobDataPath(image.Layers[0].Digest)).Should().BeTrue();
    }

    [Fact]
    public async Task Published_image_on_auth_registry_uses_credentials()
    {
        var image = new TestImageBuilder().WithFile("etc/private", "secret").Build();
        await Skopeo.PublishAsync(image, authenticated.Server, "fixtures/private:1");
        File.Exists(authenticated.Server.BlobDataPath(image.ConfigDigest)).Should().BeTrue();
    }

    [Fact]
    public async Task Published_index_serves_each_platform()
    {
        var index = new TestIndexBuilder()
            .Add(new TestImageBuilder().WithFile("arch", "amd64").Build())
            .Add(new TestImageBuilder().WithPlatform("linux/arm64/v8").WithFile("arch", "arm64").Build())
            .Build();
        await Skopeo.PublishAsync(index, anonymous.Server, "fixtures/multi:1");
        var reference = "docker://" + anonymous.Server.Reference("fixtures/multi:1");
        var raw = await Skopeo.InspectAsync(reference, raw: true);
        Digest.Compute(System.Text.Encoding.UTF8.GetBytes(raw)).Should().Be(index.Digest);
        var arm = await Skopeo.InspectAsync(reference, extraArguments: ["--override-arch", "arm64"]);
        arm.Should().Contain(index.For("linux/arm64/v8").Layers[0].Digest.ToString()).And.Contain("\"Architecture\": \"arm64\"");
    }

    [Fact]
    public async Task Auth_registry_inspect_needs_the_credentials()
    {
        var image = new TestImageBuilder().WithFile("etc/guarded", "g").Build();
        await Skopeo.PublishAsync(image, authenticated.Server, "fixtures/guarded:1");
        var reference = "docker://" + authenticated.Server.Reference("fixtures/guarded:1");
        var anonymousInspect = () => Skopeo.InspectAsync(reference, raw: true, extraArguments: ["--no-creds"]);
        await anonymousInspect.Should().ThrowAsync<InvalidOperationException>();
        var raw = await Skopeo.InspectAsync(reference, raw: true, extraArguments: ["--creds", $"{authenticated.Server.Username}:{authenticated.Server.Password}"]);
        raw.Should().Be(System.Text.Encoding.UTF8.GetString(image.ManifestBytes));
    }

    [Fact]
    public async Task Docker_typed_image_is_published_byte_for_byte_with_credentials()
    {
        var image = new TestImageBuilder().UseDockerMediaTypes().WithFile("etc/docker", "d").WithRandomLayer(20_000, 21).Build();
        await Skopeo.PublishAsync(image, authenticated.Server, "fixtures/docker:1");
        var raw = await Skopeo.InspectAsync(
            "docker://" + authenticated.Server.Reference("fixtures/docker:1"),
            raw: true,
            extraArguments: ["--creds", $"{authenticated.Server.Username}:{authenticated.Server.Password}"]);
        raw.Should().Be(System.Text.Encoding.UTF8.GetString(image.ManifestBytes));
        ImageManifest.Parse(System.Text.Encoding.UTF8.GetBytes(raw)).MediaType.Should().Be(MediaTypes.DockerManifest);
        foreach (var layer in image.Layers)
        {
            (await File.ReadAllBytesAsync(authenticated.Server.BlobDataPath(layer.Digest))).Should().Equal(layer.Content);
        }
    }

    [Fact]
    public async Task Docker_manifest_list_serves_the_arm_v7_variant()
    {
        var index = new TestIndexBuilder()
            .UseDockerMediaTypes()
            .Add(new TestImageBuilder().UseDockerMediaTypes().WithFile("arch", "amd64").Build())
            .Add(new TestImageBuilder().UseDockerMediaTypes().WithPlatform("linux/arm/v7").WithFile("arch", "arm").Build())
            .Build();
        await Skopeo.PublishAsync(index, anonymous.Server, "fixtures/dockerlist:1");
        var reference = "docker://" + anonymous.Server.Reference("fixtures/dockerlist:1");
        var raw = await Skopeo.InspectAsync(reference, raw: true);
        raw.Should().Be(System.Text.Encoding.UTF8.GetString(index.Bytes));
        var arm = await Skopeo.InspectAsync(reference, extraArguments: ["--override-arch", "arm", "--override-variant", "v7"]);
        arm.Should().Contain(index.For("linux/arm/v7").Layers[0].Digest.ToString()).And.Contain("\"Architecture\": \"arm\"");
    }

    [Fact]
    public async Task Overwriting_the_blob_data_path_changes_what_the_registry_serves()
    {
        var image = new TestImageBuilder().WithRandomLayer(8_192, 31).Build();
        await Skopeo.PublishAsync(image, anonymous.Server, "fixtures/corrupt:1");
        var layer = image.Layers[0];
        var path = anonymous.Server.BlobDataPath(layer.Digest);
        path.Should().EndWith($"/docker/registry/v2/blobs/sha256/{layer.Digest.Hex[..2]}/{layer.Digest.Hex}/data");
        var corrupted = layer.Content.ToArray();
        corrupted[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, corrupted);
        using var http = anonymous.Server.CreateHttpClient();
        var served = await http.GetByteArrayAsync(new Uri($"v2/fixtures/corrupt/blobs/{layer.Digest}", UriKind.Relative));
        served.Should().Equal(corrupted);
        Digest.Compute(served).Should().NotBe(layer.Digest);
    }

    [Fact]
    public async Task Restarted_registry_keeps_its_content()
    {
        await using var server = await RegistryServer.StartAsync();
        var image = new TestImageBuilder().WithFile("etc/keep", "kept").Build();
        await Skopeo.PublishAsync(image, server, "fixtures/keep:1");
        await server.StopAsync();
        await server.StartAgainAsync();
        var raw = await Skopeo.InspectAsync("docker://" + server.Reference("fixtures/keep:1"), raw: true);
        Digest.Compute(System.Text.Encoding.UTF8.GetBytes(raw)).Should().Be(image.ManifestDigest);
    }
}
