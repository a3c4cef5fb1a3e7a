using System.Text.Json;
using Longshore.TestBed;

namespace Longshore.Cli.Tests;

/// <summary><c>image prune --filter</c> through the CLI: the dry run plans exactly the matching images, the real run removes them.</summary>
public sealed class PruneFilterCliTests
{
    private static BuiltImage Image(string name, DateTimeOffset created, string? tier)
    {
        var builder = new TestImageBuilder().WithFile("name", name).WithCreated(created);
        return (tier is null ? builder : builder.WithLabel("tier", tier)).Build();
    }

    private static async Task<string[]> IdsAsync(CliRun cli) =>
        (await cli.OkAsync("image", "ls", "-q", "--no-trunc")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Until_as_a_duration_and_labels_choose_what_the_dry_run_plans_and_the_prune_removes()
    {
        // Ages relative to the real clock, since the CLI reads "until=48h" against it.
        var now = DateTimeOffset.UtcNow;
        var oldWeb = Image("old-web", now.AddDays(-10), "web");
        var oldDb = Image("old-db", now.AddDays(-10), "db");
        var newWeb = Image("new-web", now.AddHours(-1), "web");
        var oldTagged = Image("old-tagged", now.AddDays(-10), "web");
        using var cli = new CliRun();
        foreach (var image in new[] { oldWeb, oldDb, newWeb })
        {
            await cli.LoadAsync(image, "untagged");
        }

        await cli.LoadAsync(oldTagged, "example.com/old:1");
        var everything = await IdsAsync(cli);
        string[] filters = ["--filter", "until=48h", "--filter", "label!=tier=db"];

        using (var dry = JsonDocument.Parse(await cli.OkAsync(["image", "prune", "--dry-run", "--format", "json", .. filters])))
        {
            dry.RootElement.GetProperty("Images").EnumerateArray().Select(i => i.GetProperty("Id").GetString()).Should().Equal(oldWeb.ConfigDigest.ToString());
        }

        using (var dryAll = JsonDocument.Parse(await cli.OkAsync(["image", "prune", "--all", "--dry-run", "--format", "json", .. filters])))
        {
            dryAll.RootElement.GetProperty("Images").EnumerateArray().Select(i => i.GetProperty("Id").GetString())
                .Should().BeEquivalentTo(oldWeb.ConfigDigest.ToString(), oldTagged.ConfigDigest.ToString());
        }

        (await IdsAsync(cli)).Should().Equal(everything, "a dry run removes nothing");
        (await cli.OkAsync(["image", "prune", "--dry-run", "--filter", "label=tier=web"])).Should()
            .Contain("Would remove 2 image(s):").And.Contain(oldWeb.ConfigDigest.ToString()).And.Contain(newWeb.ConfigDigest.ToString());

        var removed = await cli.OkAsync(["image", "prune", "--all", .. filters]);

        removed.Should().Contain($"deleted: {oldWeb.ConfigDigest}").And.Contain($"deleted: {oldTagged.ConfigDigest}").And.Contain("untagged: example.com/old:1");
        (await IdsAsync(cli)).Should().BeEquivalentTo(oldDb.ConfigDigest.ToString(), newWeb.ConfigDigest.ToString());
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
    }
}
