using System.Diagnostics;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Cli.Tests;

/// <summary>Kills real longshore processes in the middle of pulls: the store must stay consistent every time.</summary>
[Collection(RegistryCollection.Name)]
public sealed class CrashTests(RegistryFixture registry)
{
    [Fact]
    public async Task Killing_a_pull_at_any_moment_leaves_a_consistent_store()
    {
        var builder = new TestImageBuilder();
        for (var i = 0; i < 4; i++)
        {
            builder = builder.WithRandomLayer(6_000_000, 900 + i);
        }

        var image = builder.Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/crash:1");
        using var cli = new CliRun();
        var cliDll = Path.Combine(AppContext.BaseDirectory, "longshore.dll");
        File.Exists(cliDll).Should().BeTrue("the CLI is built beside the tests");

        var delays = new[] { 150, 300, 450, 600, 800, 1000 };
        foreach (var delay in delays)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { cliDll, "--store", cli.Store, "image", "pull", registry.Server.Reference("cli/crash:1") })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            await Task.Delay(delay);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();

            // Either the pull completed whole or there is no trace of the image; fsck agrees after every kill.
            var fsck = await cli.RunAsync("fsck");
            fsck.ExitCode.Should().Be(0, $"after a kill at {delay} ms: {fsck.Output}{fsck.Error}");
            var ids = (await cli.OkAsync("image", "ls", "-q")).Trim();
            ids.Should().BeOneOf(string.Empty, image.ConfigDigest.Short);
            if (ids.Length > 0)
            {
                await cli.OkAsync("image", "rm", registry.Server.Reference("cli/crash:1"));
            }
        }

        (await cli.OkAsync("image", "pull", registry.Server.Reference("cli/crash:1"))).Should().Contain("Status: Downloaded newer image");
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
    }

    [Fact]
    public async Task A_pull_killed_mid_layer_is_continued_by_the_next_pull_which_fetches_only_the_rest()
    {
        var image = new TestImageBuilder().WithRandomLayer(24_000_000, 910).Build();
        var layer = image.Layers[0];
        await Skopeo.PublishAsync(image, registry.Server, "cli/killed:1");
        using var cli = new CliRun();
        var cliDll = Path.Combine(AppContext.BaseDirectory, "longshore.dll");
        File.Exists(cliDll).Should().BeTrue("the CLI is built beside the tests");
        var partial = new FileInfo(Path.Combine(cli.Store, "ingest", layer.Digest.Hex + ".partial"));

        // Throttled so the kill lands mid-layer: SIGKILL once the kept download holds at least 40% of the layer.
        await using (var slow = new SlowProxy(registry.Server.BaseAddress.Port, bytesPerSecond: 4 * 1024 * 1024))
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { cliDll, "--store", cli.Store, "image", "pull", $"{slow.Host}/cli/killed:1" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            try
            {
                await Poll.UntilAsync(() => { partial.Refresh(); return partial.Exists && partial.Length >= layer.Size * 2 / 5; }, "the kept download to reach 40% of the layer", seconds: 60);
                process.HasExited.Should().BeFalse("the pull is throttled to last several seconds");
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        partial.Refresh();
        var kept = partial.Length;
        kept.Should().BeGreaterThanOrEqualTo(layer.Size * 2 / 5).And.BeLessThan(layer.Size);
        await using var proxy = FaultProxy.Start(registry.Server.BaseAddress);

        (await cli.OkAsync("image", "pull", proxy.Reference("cli/killed:1"))).Should().Contain("Status: Downloaded newer image");

        var transferred = proxy.BodyBytesForwarded;
        transferred.Should().BeGreaterThanOrEqualTo(layer.Size - kept).And.BeLessThan(layer.Size - kept + (64 * 1024), "the next pull asks only for what the killed one did not fetch");
        File.Exists(partial.FullName).Should().BeFalse();
        (await cli.OkAsync("fsck")).Should().Contain("no problems");
    }
}
