using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Longshore.TestBed;
using Microsoft.Data.Sqlite;

namespace Longshore.Cli.Tests;

/// <summary>
/// Failures the CLI meets outside its own input checks (damaged archives, an unusable store database, a store it may not
/// write, bad references): each ends with exit code 1 and one line on stderr that names the problem, never a stack trace.
/// </summary>
public sealed class FailureTests
{
    private static async Task<string> FailsAsync(CliRun cli, params string[] args)
    {
        var (code, output, error) = await cli.RunAsync(args);
        code.Should().Be(1, $"longshore {string.Join(' ', args)} printed: {output}{error}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle($"one line, not a stack trace: {error}");
        lines[0].Should().StartWith("Error: ");
        return lines[0];
    }

    private static string Archive(CliRun cli, params (string Name, string Content)[] entries)
    {
        var path = cli.Path($"archive-{Guid.NewGuid():N}.tar");
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (name, content) in entries)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
        }

        return path;
    }

    [Theory]
    [InlineData("{not json", "manifest.json in the archive is not valid JSON")]
    [InlineData("{\"Config\": \"c.json\"}", "manifest.json in the archive is not a JSON array")]
    [InlineData("[{\"Layers\": []}]", "entry 0 Config must be a non-empty string")]
    [InlineData("[{\"Config\": \"c.json\", \"Layers\": \"l.tar\"}]", "entry 0 Layers must be a list of strings")]
    [InlineData("[{\"Config\": \"missing.json\"}]", "names config 'missing.json', which the archive lacks")]
    public async Task A_malformed_manifest_json_is_named(string manifest, string message)
    {
        using var cli = new CliRun();
        var archive = Archive(cli, ("manifest.json", manifest));

        (await FailsAsync(cli, "image", "load", "-i", archive)).Should().Contain(message);
        (await cli.OkAsync("image", "ls", "-q")).Should().BeEmpty("a failed load loads nothing");
    }

    [Fact]
    public async Task A_missing_archive_is_named()
    {
        using var cli = new CliRun();
        var missing = cli.Path("no-such.tar");
        (await FailsAsync(cli, "image", "load", "-i", missing)).Should().Contain(missing);
    }

    [Fact]
    public async Task A_garbled_archive_is_reported_as_not_an_image_archive()
    {
        using var cli = new CliRun();
        var garbled = cli.Path("garbled.tar");
        var bytes = new byte[8192];
        new Random(5).NextBytes(bytes);
        await File.WriteAllBytesAsync(garbled, bytes);
        (await FailsAsync(cli, "image", "load", "-i", garbled)).Should().Contain("not a tar archive");

        var text = cli.Path("text.tar");
        await File.WriteAllTextAsync(text, "this is not a tar file at all\n");
        (await FailsAsync(cli, "image", "load", "-i", text)).Should().Contain("not a tar archive");

        var unrelated = Archive(cli, ("README", "hello"));
        (await FailsAsync(cli, "image", "load", "-i", unrelated)).Should().Contain("neither a docker-archive");
    }

    [Fact]
    public async Task A_store_database_that_is_garbage_is_named()
    {
        using var cli = new CliRun();
        Directory.CreateDirectory(cli.Store);
        var garbage = new byte[4096];
        new Random(6).NextBytes(garbage);
        await File.WriteAllBytesAsync(Path.Combine(cli.Store, "metadata.db"), garbage);

        (await FailsAsync(cli, "image", "ls")).Should().Contain($"the store's database {Path.Combine(cli.Store, "metadata.db")} is damaged or not a database");
    }

    [Fact]
    public async Task A_store_database_locked_by_another_process_is_named()
    {
        using var cli = new CliRun();
        await cli.OkAsync("image", "ls");
        var database = Path.Combine(cli.Store, "metadata.db");
        // Another writer holding the database exclusively, as a long transaction of another longshore would.
        using (var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString()))
        {
            holder.Open();
            using (var command = holder.CreateCommand())
            {
                command.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE held (x INTEGER);";
                command.ExecuteNonQuery();
            }

            (await FailsAsync(cli, "--store-lock-timeout", "0.5", "image", "ls")).Should().Contain($"the store's database {database} is locked by another process");
        }

        (await cli.OkAsync("--store-lock-timeout", "0.5", "image", "ls")).Should().StartWith("REPOSITORY", "the lock went with its holder");
    }

    [Fact]
    public async Task A_store_that_may_not_be_written_is_named_even_for_root()
    {
        using var cli = new CliRun();
        await cli.LoadAsync(new TestImageBuilder().WithFile("a", "read-only").Build(), "example.com/ro:1");
        // Root ignores permission bits; an immutable folder refuses new and removed entries to root too.
        await ChattrAsync("+i", cli.Store);
        try
        {
            var message = await FailsAsync(cli, "image", "rm", "example.com/ro:1");
            message.Should().Contain(cli.Store).And.MatchRegex("writable|read-only|not permitted|denied");
        }
        finally
        {
            await ChattrAsync("-i", cli.Store);
        }

        (await cli.OkAsync("image", "ls", "-q")).Should().NotBeEmpty("nothing was lost");
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
    }

    [Theory]
    [InlineData(new[] { "image", "pull", "Upper/Case:1" }, "invalid reference 'Upper/Case:1'")]
    [InlineData(new[] { "image", "pull", "app:bad tag" }, "invalid reference 'app:bad tag'")]
    [InlineData(new[] { "image", "push", "app:1", "registry.example.com/x@sha256:nothex" }, "invalid target")]
    [InlineData(new[] { "image", "tag", "app:1", "UPPER:1" }, "invalid target 'UPPER:1'")]
    [InlineData(new[] { "image", "inspect", "no/such:image" }, "No such image: no/such:image")]
    [InlineData(new[] { "image", "history", "sha256:ffff" }, "No such image: sha256:ffff")]
    public async Task A_bad_image_reference_is_named(string[] args, string message)
    {
        using var cli = new CliRun();
        (await FailsAsync(cli, args)).Should().Contain(message);
    }

    private static async Task ChattrAsync(string change, string path)
    {
        using var process = Process.Start(new ProcessStartInfo("chattr", [change, path]) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, $"chattr {change} {path}: {error}");
    }
}
