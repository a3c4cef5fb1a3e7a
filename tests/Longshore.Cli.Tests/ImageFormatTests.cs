using System.IO.Compression;
using System.Text.Json;
using Longshore.TestBed;

namespace Longshore.Cli.Tests;

/// <summary><c>--format</c> templates, <c>image history</c> and <c>image ls REPOSITORY[:TAG]</c> on a real store, filled by <c>image load</c>.</summary>
public sealed class ImageFormatTests
{
    private static readonly DateTimeOffset Created = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static BuiltImage App(string content, string? label = null)
    {
        var builder = new TestImageBuilder().WithFile("app", content).WithCreated(Created);
        return label is null ? builder.Build() : builder.WithLabel("tier", label).Build();
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Ls_renders_go_templates_with_docker_field_names()
    {
        using var cli = new CliRun();
        var alpine = App("alpine", "web");
        await cli.LoadAsync(alpine, "alpine:3.19");
        await cli.LoadAsync(App("redis"), "example.com/cache/redis:7");

        Lines(await cli.OkAsync("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")).Should().BeEquivalentTo("alpine:3.19", "example.com/cache/redis:7");
        (await cli.OkAsync("image", "ls", "alpine", "--format", "id={{.ID}} size={{.Size}} digest={{.Digest}}")).Should()
            .Be($"id={alpine.ConfigDigest.Short} size={HumanUnits.Size(await StoredSizeAsync(cli, "alpine"))} digest=<none>\n");
        (await cli.OkAsync("image", "ls", "alpine", "--no-trunc", "--format", "{{.ID}}")).Trim().Should().Be(alpine.ConfigDigest.ToString());
        (await cli.OkAsync("image", "ls", "alpine", "--format", "{{.CreatedAt}}")).Trim().Should().Be("2024-03-01 12:00:00 +0000 UTC");

        using var row = JsonDocument.Parse(await cli.OkAsync("image", "ls", "alpine", "--format", "{{json .}}"));
        row.RootElement.GetProperty("Repository").GetString().Should().Be("alpine");
        row.RootElement.GetProperty("Tag").GetString().Should().Be("3.19");
        row.RootElement.GetProperty("ID").GetString().Should().Be(alpine.ConfigDigest.Short);
        row.RootElement.EnumerateObject().Select(p => p.Name).Should().Contain(["CreatedSince", "Size", "Digest", "Containers"]);
    }

    [Fact]
    public async Task Ls_table_template_prints_docker_headers_aligned_like_tabwriter()
    {
        using var cli = new CliRun();
        var alpine = App("alpine");
        await cli.LoadAsync(alpine, "alpine:3.19");

        var table = Lines(await cli.OkAsync("image", "ls", "--format", "table {{.ID}}\\t{{.Repository}}:{{.Tag}}\\t{{.Size}}"));

        table.Should().HaveCount(2);
        // "IMAGE ID" and the 12-character ID make the first column 15 wide; "REPOSITORY:TAG" and "alpine:3.19" the second 17.
        table[0].Should().Be("IMAGE ID       REPOSITORY:TAG   SIZE");
        table[1].Should().Be($"{alpine.ConfigDigest.Short}   alpine:3.19      {HumanUnits.Size(await StoredSizeAsync(cli, "alpine"))}");
    }

    [Theory]
    [InlineData("{{.Nope}}")]
    [InlineData("table {{.ID}}\\t{{.Nope}}")]
    public async Task An_unknown_field_fails_with_one_line_naming_it_and_the_valid_ones(string format)
    {
        using var cli = new CliRun();
        await cli.LoadAsync(App("alpine"), "alpine:3.19");

        var (code, output, error) = await cli.RunAsync("image", "ls", "--format", format);

        code.Should().Be(1);
        output.Should().BeEmpty();
        Lines(error).Should().ContainSingle().Which.Should().Contain("field .Nope does not exist; valid fields: Containers, CreatedAt, CreatedSince, Digest, ID, Repository");
    }

    [Fact]
    public async Task A_table_with_an_unknown_field_fails_even_on_an_empty_store()
    {
        using var cli = new CliRun();
        var (code, _, error) = await cli.RunAsync("image", "history", "--format", "table {{.Layer}}", "missing:1");
        code.Should().Be(1);
        error.Should().Contain("No such image");

        (code, _, error) = await cli.RunAsync("image", "ls", "--format", "table {{.Layer}}");
        code.Should().Be(1);
        error.Should().Contain("field .Layer does not exist");
    }

    [Fact]
    public async Task Inspect_renders_templates_over_docker_inspect_fields()
    {
        using var cli = new CliRun();
        var web = App("web", "web");
        await cli.LoadAsync(web, "example.com/web:1");

        (await cli.OkAsync("image", "inspect", "--format", "{{.Id}}", "example.com/web:1")).Should().Be(web.ConfigDigest + "\n");
        (await cli.OkAsync("image", "inspect", "--format", "{{json .Config.Labels}}", "example.com/web:1")).Should().Be("{\"tier\":\"web\"}\n");
        (await cli.OkAsync("image", "inspect", "--format", "{{.Os}}/{{.Architecture}} {{index .RootFS.Layers 0}}", "example.com/web:1")).Trim()
            .Should().Be($"linux/amd64 {web.Layers[0].DiffId}");

        // A loaded image has no repo digest, so there is nothing at position 0: Docker fails the same way.
        var (code, output, error) = await cli.RunAsync("image", "inspect", "--format", "{{index .RepoDigests 0}}", "example.com/web:1");
        code.Should().Be(1);
        output.Should().BeEmpty();
        Lines(error).Should().ContainSingle().Which.Should().Contain("index out of range: 0");

        // The existing formats stay as they were.
        using var json = JsonDocument.Parse(await cli.OkAsync("image", "inspect", "example.com/web:1"));
        json.RootElement[0].GetProperty("Id").GetString().Should().Be(web.ConfigDigest.ToString());
        (await cli.OkAsync("image", "inspect", "--format", "table", "example.com/web:1")).Should().Contain("RepoTags:     example.com/web:1");
    }

    [Fact]
    public async Task History_shows_each_step_newest_first_with_uncompressed_layer_sizes()
    {
        const string longStep = "/bin/sh -c #(nop) ADD file:805cb5e15fb6e0bb0a1b2c3d4e5f60718293a4b5c6d7 in /";
        var image = new TestImageBuilder()
            .WithRandomLayer(30_000, 41).WithCreatedBy(longStep)
            .WithEmptyStep("/bin/sh -c #(nop)  ENV PATH=/usr/bin")
            .WithFile("etc/app.conf", "port=80").WithCreatedBy("/bin/sh -c echo port=80 > /etc/app.conf")
            .WithEmptyStep("/bin/sh -c #(nop)  CMD [\"app\"]", "built by ci")
            .WithCreated(Created)
            .Build();
        using var cli = new CliRun();
        await cli.LoadAsync(image, "example.com/history:1");

        var table = Lines(await cli.OkAsync("image", "history", "example.com/history:1"));

        table.Should().HaveCount(5);
        table[0].Should().MatchRegex("^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$");
        table[1].Should().StartWith(image.ConfigDigest.Short + "   ").And.Contain("CMD [\"app\"]").And.Contain(" 0B ").And.EndWith("built by ci");
        table[2].Should().StartWith("<missing>").And.Contain("echo port=80");
        table[3].Should().StartWith("<missing>").And.Contain("ENV PATH=/usr/bin");
        table[4].Should().StartWith("<missing>").And.Contain(longStep[..44] + "…").And.NotContain(longStep);
        (await cli.OkAsync("image", "history", "--no-trunc", "example.com/history:1")).Should().Contain(longStep).And.Contain(image.ConfigDigest.ToString());

        // SIZE is the layer's uncompressed (tar) size, as Docker shows; empty steps are 0.
        Lines(await cli.OkAsync("image", "history", "--human=false", "--format", "{{.Size}}", "example.com/history:1")).Should().Equal(
            "0", Uncompressed(image.Layers[1]).ToString(), "0", Uncompressed(image.Layers[0]).ToString());
        Uncompressed(image.Layers[0]).Should().BeGreaterThan(image.Layers[0].Size - 100, "random data does not compress, so both sizes differ only by framing");

        Lines(await cli.OkAsync("image", "history", "-q", "example.com/history:1")).Should().Equal(image.ConfigDigest.Short, "<missing>", "<missing>", "<missing>");
        var created = Lines(await cli.OkAsync("image", "history", "--format", "{{.ID}}|{{.CreatedAt}}|{{.Comment}}", image.ConfigDigest.Short));
        created[0].Should().Be($"{image.ConfigDigest.Short}|2024-03-01 12:00:00 +0000 UTC|built by ci");

        using var json = JsonDocument.Parse(await cli.OkAsync("image", "history", "--format", "json", "example.com/history:1"));
        var rows = json.RootElement.EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("EmptyLayer").GetBoolean()).Should().Equal(true, false, true, false);
        rows[1].GetProperty("DiffId").GetString().Should().Be(image.Layers[1].DiffId.ToString());
        rows[3].GetProperty("DiffId").GetString().Should().Be(image.Layers[0].DiffId.ToString());
        rows[0].GetProperty("Tags")[0].GetString().Should().Be("example.com/history:1");
    }

    [Fact]
    public async Task Ls_with_a_repository_matches_it_exactly_and_the_tag_by_glob()
    {
        using var cli = new CliRun();
        var app10 = App("1.0", "web");
        var app11 = App("1.1", "db");
        var app20 = App("2.0", "web");
        var other = App("other");
        await cli.LoadAsync(app10, "app:1.0");
        await cli.LoadAsync(app11, "app:1.1");
        await cli.LoadAsync(app20, "app:2.0");
        await cli.LoadAsync(other, "apps:1.0");
        await cli.LoadAsync(App("untagged"), "x");

        async Task<string[]> Names(params string[] args) =>
            Lines(await cli.OkAsync(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", .. args])).Order(StringComparer.Ordinal).ToArray();

        (await Names("app")).Should().Equal("app:1.0", "app:1.1", "app:2.0");
        (await Names("app:1.*")).Should().Equal("app:1.0", "app:1.1");
        (await Names("app:2.0")).Should().Equal("app:2.0");
        (await Names("ap")).Should().BeEmpty();
        (await Names("app*")).Should().Equal("app:1.0", "app:1.1", "app:2.0", "apps:1.0");
        (await Names("app", "--filter", "label=tier=web")).Should().Equal("app:1.0", "app:2.0");
        (await Names("app:1.*", "--filter", "label=tier=web")).Should().Equal("app:1.0");
        // As in Docker, the argument is one more reference filter: reference filters are OR'd.
        (await Names("app:2.0", "--filter", "reference=apps")).Should().Equal("app:2.0", "apps:1.0");
        (await cli.OkAsync("image", "ls", "--digests", "app:1.0")).Should().Contain("DIGEST").And.Contain(app10.ConfigDigest.Short).And.NotContain(app11.ConfigDigest.Short);
        Lines(await cli.OkAsync("image", "ls", "-q", "app:1.*")).Should().BeEquivalentTo(app10.ConfigDigest.Short, app11.ConfigDigest.Short);
    }

    private static async Task<long> StoredSizeAsync(CliRun cli, string repository)
    {
        using var rows = JsonDocument.Parse(await cli.OkAsync("image", "ls", repository, "--format", "json"));
        return rows.RootElement[0].GetProperty("Size").GetInt64();
    }

    private static long Uncompressed(BuiltLayer layer)
    {
        using var gzip = new GZipStream(new MemoryStream(layer.Content), CompressionMode.Decompress);
        using var counter = new MemoryStream();
        gzip.CopyTo(counter);
        return counter.Length;
    }
}
