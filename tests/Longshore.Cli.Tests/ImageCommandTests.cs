using System.Text.Json;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Cli.Tests;

[Collection(RegistryCollection.Name)]
public sealed class ImageCommandTests(RegistryFixture registry)
{
    [Fact]
    public async Task Pull_ls_and_inspect_show_docker_fields()
    {
        var image = new TestImageBuilder().WithFile("etc/cli", "1").WithLabel("tier", "web").Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/app:1");
        using var cli = new CliRun();
        var reference = registry.Server.Reference("cli/app:1");

        var pull = await cli.OkAsync("image", "pull", reference);
        pull.Should().Contain("1: Pulling from").And.Contain($"Digest: {image.ManifestDigest}").And.Contain("Status: Downloaded newer image");
        (await cli.OkAsync("image", "pull", reference)).Should().Contain("Already exists").And.Contain("Status: Image is up to date");

        var table = await cli.OkAsync("image", "ls");
        table.Should().StartWith("REPOSITORY").And.Contain(registry.Server.Reference("cli/app")).And.Contain(image.ConfigDigest.Short);
        (await cli.OkAsync("image", "ls", "--digests")).Should().Contain(image.ManifestDigest.ToString());
        (await cli.OkAsync("image", "ls", "-q")).Trim().Should().Be(image.ConfigDigest.Short);

        using var rows = JsonDocument.Parse(await cli.OkAsync("image", "ls", "--format", "json"));
        rows.RootElement[0].GetProperty("Id").GetString().Should().Be(image.ConfigDigest.ToString());
        rows.RootElement[0].GetProperty("Tag").GetString().Should().Be("1");

        using var inspect = JsonDocument.Parse(await cli.OkAsync("image", "inspect", reference));
        var details = inspect.RootElement[0];
        details.GetProperty("Id").GetString().Should().Be(image.ConfigDigest.ToString());
        details.GetProperty("RepoTags")[0].GetString().Should().Be(reference);
        details.GetProperty("RootFS").GetProperty("Layers")[0].GetString().Should().Be(image.Layers[0].DiffId.ToString());
        details.GetProperty("Config").GetProperty("Labels").GetProperty("tier").GetString().Should().Be("web");
        (await cli.OkAsync("image", "inspect", "--format", "{{index .RepoDigests 0}}", reference)).Should().Be($"{registry.Server.Reference("cli/app")}@{image.ManifestDigest}\n");
        (await cli.OkAsync("image", "ls", "--digests", "--format", "{{.Repository}}@{{.Digest}}")).Should().Be($"{registry.Server.Reference("cli/app")}@{image.ManifestDigest}\n");
    }

    [Fact]
    public async Task Rm_prints_untagged_and_deleted_lines()
    {
        var image = new TestImageBuilder().WithFile("etc/rm", "1").Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/rm:1");
        using var cli = new CliRun();
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/rm:1"));
        await cli.OkAsync("image", "tag", registry.Server.Reference("cli/rm:1"), "local/rm:copy");

        (await cli.OkAsync("image", "rm", "local/rm:copy")).Trim().Should().Be("Untagged: local/rm:copy");
        var removed = await cli.OkAsync("image", "rm", registry.Server.Reference("cli/rm:1"));
        removed.Should().Contain($"Untagged: {registry.Server.Reference("cli/rm:1")}").And.Contain($"Deleted: {image.ConfigDigest}");

        var (code, _, error) = await cli.RunAsync("image", "rm", "local/rm:copy");
        code.Should().Be(1);
        error.Trim().Should().Be("Error: No such image: local/rm:copy");
    }

    [Fact]
    public async Task Prune_dry_run_then_prune_reclaim_the_same_bytes()
    {
        var v1 = new TestImageBuilder().WithRandomLayer(60_000, 70).Build();
        var v2 = new TestImageBuilder().WithRandomLayer(60_000, 71).Build();
        using var cli = new CliRun();
        await Skopeo.PublishAsync(v1, registry.Server, "cli/prune:latest");
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/prune:latest"));
        await Skopeo.PublishAsync(v2, registry.Server, "cli/prune:latest");
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/prune:latest"));
        (await cli.OkAsync("image", "ls", "--filter", "dangling=true", "-q")).Trim().Should().Be(v1.ConfigDigest.Short);

        using var dry = JsonDocument.Parse(await cli.OkAsync("image", "prune", "--dry-run", "--format", "json"));
        var planned = dry.RootElement.GetProperty("ReclaimableBytes").GetInt64();
        planned.Should().BeGreaterThan(v1.TotalSize - 1);
        (await cli.OkAsync("image", "ls", "-q")).Should().Contain(v1.ConfigDigest.Short);

        using var real = JsonDocument.Parse(await cli.OkAsync("image", "prune", "--format", "json"));
        real.RootElement.GetProperty("ReclaimedBytes").GetInt64().Should().Be(planned);
        (await cli.OkAsync("image", "ls", "-q")).Trim().Should().Be(v2.ConfigDigest.Short);
        (await cli.OkAsync("image", "prune")).Should().Contain("Total reclaimed space: 0B");
    }

    [Fact]
    public async Task Save_and_load_through_files()
    {
        var image = new TestImageBuilder().WithFile("etc/save", "1").Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/save:1");
        using var cli = new CliRun();
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/save:1"));
        var archive = cli.Path("save.tar");
        await cli.OkAsync("image", "save", "-o", archive, "--format", "oci", registry.Server.Reference("cli/save:1"));
        await cli.OkAsync("image", "rm", registry.Server.Reference("cli/save:1"));

        (await cli.OkAsync("image", "load", "-i", archive)).Trim().Should().Be($"Loaded image: {registry.Server.Reference("cli/save:1")}");
        (await cli.OkAsync("image", "ls", "-q")).Trim().Should().Be(image.ConfigDigest.Short);
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
    }

    [Fact]
    public async Task Push_sends_an_image_to_another_repository()
    {
        var image = new TestImageBuilder().WithFile("etc/push", "1").Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/push-src:1");
        using var cli = new CliRun();
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/push-src:1"));

        var output = await cli.OkAsync("image", "push", registry.Server.Reference("cli/push-src:1"), registry.Server.Reference("cli/push-dst:2"));

        output.Should().Contain($"2: digest: {image.ManifestDigest}");
        (await cli.OkAsync("resolve", registry.Server.Reference("cli/push-dst:2"))).Trim().Should().Be($"{registry.Server.Reference("cli/push-dst:2")}@{image.ManifestDigest}");
    }

    [Fact]
    public async Task Resolve_and_manifest_inspect_read_the_registry()
    {
        var amd = new TestImageBuilder().WithFile("a", "amd").Build();
        var arm = new TestImageBuilder().WithPlatform("linux/arm64").WithFile("a", "arm").Build();
        var index = new TestIndexBuilder().Add(amd).Add(arm).Build();
        await Skopeo.PublishAsync(index, registry.Server, "cli/multi:1");
        using var cli = new CliRun();
        var reference = registry.Server.Reference("cli/multi:1");

        (await cli.OkAsync("resolve", reference)).Trim().Should().Be($"{reference}@{index.Digest}");
        (await cli.OkAsync("resolve", reference, "--platform", "linux/arm64")).Trim().Should().Be($"{reference}@{arm.ManifestDigest}");
        using var manifest = JsonDocument.Parse(await cli.OkAsync("manifest", "inspect", reference));
        manifest.RootElement.GetProperty("manifests").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Pull_with_platform_takes_that_image()
    {
        var amd = new TestImageBuilder().WithFile("a", "amd").Build();
        var arm = new TestImageBuilder().WithPlatform("linux/arm/v7").WithFile("a", "arm").Build();
        await Skopeo.PublishAsync(new TestIndexBuilder().Add(amd).Add(arm).Build(), registry.Server, "cli/arm:1");
        using var cli = new CliRun();

        await cli.OkAsync("image", "pull", "--platform", "linux/arm/v7", registry.Server.Reference("cli/arm:1"));

        using var inspect = JsonDocument.Parse(await cli.OkAsync("image", "inspect", registry.Server.Reference("cli/arm:1")));
        inspect.RootElement[0].GetProperty("Architecture").GetString().Should().Be("arm");
        inspect.RootElement[0].GetProperty("Variant").GetString().Should().Be("v7");
    }
}
