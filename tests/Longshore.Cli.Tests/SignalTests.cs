using System.Diagnostics;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Cli.Tests;

/// <summary>Ctrl+C (SIGINT) and SIGTERM in the middle of a pull: one line on stderr, the shell's exit code, a consistent store.</summary>
[Collection(RegistryCollection.Name)]
public sealed class SignalTests(RegistryFixture registry)
{
    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task A_signal_during_a_pull_ends_it_with_one_line_and_the_signal_exit_code(string signal, int exitCode)
    {
        var image = new TestImageBuilder().WithRandomLayer(3_000_000, 960).WithRandomLayer(3_000_000, 961).Build();
        var name = $"cli/signal-{signal.ToLowerInvariant()}:1";
        await Skopeo.PublishAsync(image, registry.Server, name);
        await using var proxy = new SlowProxy(registry.Server.BaseAddress.Port, bytesPerSecond: 256 * 1024);
        using var cli = new CliRun();
        var cliDll = Path.Combine(AppContext.BaseDirectory, "longshore.dll");
        File.Exists(cliDll).Should().BeTrue("the CLI is built beside the tests");

        // A test run started in the background inherits SIGINT ignored (as shells do for background jobs), and the
        // runtime keeps an ignored SIGINT ignored: the CLI gets the default disposition back, as in a terminal.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--default-signal=INT,TERM", "dotnet", cliDll, "--store", cli.Store, "image", "pull", $"{proxy.Host}/{name}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var downloading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Downloading", StringComparison.Ordinal) == true)
            {
                downloading.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await downloading.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(300);
            process.HasExited.Should().BeFalse("the pull is throttled to last several seconds");

            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var stderr = (await error).TrimEnd();
        process.ExitCode.Should().Be(exitCode, $"stdout: {output} stderr: {stderr}");
        stderr.Split('\n').Should().ContainSingle().Which.Should().Be("Interrupted: no image was half-written; the next pull continues the download.");

        // No image, a store that fsck finds clean, and only the image's own layers kept for the next pull to continue.
        (await cli.OkAsync("image", "ls", "-q")).Trim().Should().BeEmpty();
        var fsck = await cli.RunAsync("fsck");
        fsck.ExitCode.Should().Be(0, fsck.Output + fsck.Error);
        fsck.Output.Should().Contain("no problems");
        Directory.EnumerateFiles(Path.Combine(cli.Store, "ingest"), "*.partial").Select(Path.GetFileName)
            .Should().BeSubsetOf(image.Layers.Select(l => l.Digest.Hex + ".partial"));
        (await cli.OkAsync("image", "pull", registry.Server.Reference(name))).Should().Contain("Status: Downloaded newer image");
        Directory.EnumerateFiles(Path.Combine(cli.Store, "ingest"), "*.partial").Should().BeEmpty();
    }
}
