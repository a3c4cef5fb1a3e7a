using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Data.Sqlite;

namespace Longshore.Cli.Tests;

/// <summary>
/// What the store promises beyond surviving a kill: fsck --repair never races a commit made by another process, and a
/// full disk ends a command with one line while the store stays consistent and usable.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class DurabilityTests(RegistryFixture registry)
{
    [Fact]
    public async Task Fsck_repair_in_a_loop_never_takes_the_files_of_pulls_committed_by_another_process()
    {
        var images = new List<(BuiltImage Image, string Reference)>();
        for (var i = 0; i < 5; i++)
        {
            var image = new TestImageBuilder().WithRandomLayer(1_500_000, 5100 + i).WithRandomLayer(400_000, 5200 + i).Build();
            await Skopeo.PublishAsync(image, registry.Server, $"cli/race-{i}:1");
            images.Add((image, registry.Server.Reference($"cli/race-{i}:1")));
        }

        // A large image already in the store makes every fsck spend most of its time hashing, the window in which a
        // commit from another process lands between fsck's reading of the metadata and its listing of the files.
        var ballast = new TestImageBuilder().WithRandomLayer(48_000_000, 5099).Build();
        await Skopeo.PublishAsync(ballast, registry.Server, "cli/race-ballast:1");
        using var cli = new CliRun();
        await cli.OkAsync("image", "pull", registry.Server.Reference("cli/race-ballast:1"));
        using var stop = new CancellationTokenSource();
        var repairRuns = new List<(int ExitCode, string Output, string Error)>();
        var repairing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                repairRuns.Add(await cli.RunAsync("fsck", "--repair"));
            }
        });

        // Two rounds, removing everything between them, so blobs are committed, freed and committed again while
        // fsck --repair lists files and deletes what it finds unreferenced.
        for (var round = 0; round < 2; round++)
        {
            foreach (var (image, reference) in images)
            {
                var pull = await RunCliProcessAsync(cli.Store, "image", "pull", reference);
                pull.ExitCode.Should().Be(0, $"pulling {reference} in another process (round {round}): {pull.StandardError}");
            }

            if (round == 0)
            {
                foreach (var (_, reference) in images)
                {
                    await cli.OkAsync("image", "rm", reference);
                }
            }
        }

        await stop.CancelAsync();
        await repairing;

        repairRuns.Should().NotBeEmpty();
        repairRuns.Should().AllSatisfy(run =>
        {
            run.ExitCode.Should().Be(0, run.Error);
            run.Output.Should().Contain("no problems", "nothing was damaged, so a repair that finds something took a committed or leased file");
        });
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
        var ids = await cli.OkAsync("image", "ls", "-q", "--no-trunc");
        foreach (var (image, reference) in images)
        {
            ids.Should().Contain(image.ConfigDigest.ToString());
            (await cli.OkAsync("image", "inspect", reference)).Should().Contain(image.ConfigDigest.ToString());
        }
    }

    [Fact]
    public async Task A_full_disk_ends_pull_load_and_tag_with_one_line_and_leaves_a_usable_store()
    {
        if (Environment.UserName != "root")
        {
            // Mounting the small file system needs root; under CI a run without it is a failure, not a pass.
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "the full-disk test mounts a tmpfs, which needs root");
            return;
        }

        var kept = new TestImageBuilder().WithRandomLayer(500_000, 5300).Build();
        var big = new TestImageBuilder().WithRandomLayer(2_500_000, 5301).Build();
        var archived = new TestImageBuilder().WithRandomLayer(2_000_000, 5302).Build();
        await Skopeo.PublishAsync(kept, registry.Server, "cli/disk-kept:1");
        await Skopeo.PublishAsync(big, registry.Server, "cli/disk-big:1");
        await Skopeo.PublishAsync(archived, registry.Server, "cli/disk-archived:1");
        using var source = new CliRun();
        await source.OkAsync("image", "pull", registry.Server.Reference("cli/disk-archived:1"));
        var archive = source.Path("archived.tar");
        await source.OkAsync("image", "save", "-o", archive, registry.Server.Reference("cli/disk-archived:1"));

        using var disk = await SmallDisk.MountAsync(8);
        using var cli = new CliRun();
        var store = disk.Combine("store");
        Task<(int ExitCode, string Output, string Error)> Run(params string[] args) => cli.RunAsync(["--store", store, .. args]);
        async Task Ok(params string[] args)
        {
            var run = await Run(args);
            run.ExitCode.Should().Be(0, $"longshore {string.Join(' ', args)}: {run.Error}");
        }

        async Task<string> Refused(params string[] args)
        {
            var run = await Run(args);
            run.ExitCode.Should().Be(1, $"longshore {string.Join(' ', args)} on a full disk: {run.Output}{run.Error}");
            run.Error.TrimEnd().Split('\n').Should().ContainSingle($"one line, no stack: {run.Error}")
                .Which.Should().StartWith("Error: ");
            return run.Error;
        }

        async Task Consistent(params BuiltImage[] expected)
        {
            var fsck = await Run("fsck");
            fsck.ExitCode.Should().Be(0, fsck.Output + fsck.Error);
            fsck.Output.Should().Contain("no problems");
            var ids = (await Run("image", "ls", "-q", "--no-trunc")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            ids.Should().BeEquivalentTo(expected.Select(i => i.ConfigDigest.ToString()));
        }

        await Ok("image", "pull", registry.Server.Reference("cli/disk-kept:1"));

        // Room for the metadata but not for the layers: the transfer and the extraction hit ENOSPC.
        disk.Fill(leave: 1_500_000);
        // The transfer's own error, not one from the clean-up that follows it.
        (await Refused("image", "pull", registry.Server.Reference("cli/disk-big:1"))).Should().Contain("No space left on device");
        (await Refused("image", "load", "-i", archive)).Should().Contain("No space left on device");
        await Consistent(kept);

        // No room at all. While another connection keeps SQLite's shared memory open (as a running agent does), the
        // tag's commit cannot grow the emptied write-ahead log: SQLITE_FULL. With no connection left, SQLite may also
        // fail earlier, creating its shared-memory file (SQLITE_IOERR): either way one line.
        using (var agent = new SqliteConnection($"Data Source={System.IO.Path.Combine(store, "metadata.db")};Pooling=False"))
        {
            agent.Open();
            using var checkpoint = agent.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
            disk.Fill(leave: 0);
            (await Refused("image", "tag", registry.Server.Reference("cli/disk-kept:1"), "kept:copy")).Should().Contain("database or disk is full");
        }

        (await Refused("image", "tag", registry.Server.Reference("cli/disk-kept:1"), "kept:copy")).Should().ContainAny("database or disk is full", "disk I/O error");

        disk.Free();
        await Consistent(kept);
        (await Run("image", "ls")).Output.Should().NotContain("copy", "the failed tag left nothing behind");
        await Ok("image", "tag", registry.Server.Reference("cli/disk-kept:1"), "kept:copy");
        await Ok("image", "pull", registry.Server.Reference("cli/disk-big:1"));
        await Consistent(kept, big);
        await Ok("image", "rm", registry.Server.Reference("cli/disk-big:1"));
        await Ok("image", "load", "-i", archive);
        await Consistent(kept, archived);
    }

    /// <summary>Runs the built CLI as its own process, so its commits come from another process than the test's.</summary>
    private static Task<ProcessResult> RunCliProcessAsync(string store, params string[] args)
    {
        var cliDll = Path.Combine(AppContext.BaseDirectory, "longshore.dll");
        return ProcessRunner.RunAsync("dotnet", [cliDll, "--store", store, .. args], timeout: TimeSpan.FromMinutes(2));
    }
}
