using Longshore.TestBed;
namespace Longshore.Testing.Tests;

public sealed class ProcessRunnerTests
{
    private static readonly string Shell = ComponentLocator.Require("sh", "dash");

    [Fact]
    public async Task Captures_output_and_exit_code()
    {
        var result = await ProcessRunner.RunAsync(Shell, ["-c", "echo out; echo err >&2; exit 3"]);
        result.ExitCode.Should().Be(3);
        result.StandardOutput.Should().Be("out\n");
        result.StandardError.Should().Be("err\n");
    }

    [Fact]
    public async Task Passes_environment_and_working_directory()
    {
        using var directory = TempDirectory.Create("longshore-runner");
        var result = await ProcessRunner.RunAsync(Shell, ["-c", "echo \"$GREETING\"; pwd"], directory.Path, new Dictionary<string, string> { ["GREETING"] = "hello" });
        result.EnsureSuccess().StandardOutput.Should().Be($"hello\n{directory.Path}\n");
    }

    [Fact]
    public async Task EnsureSuccess_names_the_command_and_its_error()
    {
        var result = await ProcessRunner.RunAsync(Shell, ["-c", "echo broken-thing >&2; exit 2"]);
        var act = () => result.EnsureSuccess();
        act.Should().Throw<InvalidOperationException>().WithMessage("*sh -c*exited with 2*broken-thing*");
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_tree()
    {
        using var directory = TempDirectory.Create("longshore-runner");
        var pidFile = directory.Combine("child.pid");
        var act = () => ProcessRunner.RunAsync(Shell, ["-c", $"sleep 300 & echo $! > {pidFile}; wait"], timeout: TimeSpan.FromSeconds(2));
        await act.Should().ThrowAsync<TimeoutException>().WithMessage("*did not finish*");
        var child = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        (await IsGoneAsync(child)).Should().BeTrue("the grandchild sleep {0} must be killed with its parent", child);
    }

    [Fact]
    public async Task A_background_child_holding_the_output_does_not_outlast_the_timeout()
    {
        using var directory = TempDirectory.Create("longshore-runner");
        var pidFile = directory.Combine("child.pid");
        var act = () => ProcessRunner.RunAsync(Shell, ["-c", $"sleep 300 & echo $! > {pidFile}; exit 0"], timeout: TimeSpan.FromSeconds(2));
        await act.Should().ThrowAsync<TimeoutException>();
        // The parent exited first, so its tree is gone; end the orphan this test started.
        var child = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            System.Diagnostics.Process.GetProcessById(child).Kill();
        }
        catch (ArgumentException)
        {
        }
    }

    [Fact]
    public async Task Cancellation_kills_the_process_and_throws()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var act = () => ProcessRunner.RunAsync(Shell, ["-c", "sleep 300"], cancellationToken: cancellation.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    // A killed process may linger briefly as a zombie until its new parent reaps it; either way it no longer runs.
    private static async Task<bool> IsGoneAsync(int pid)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var stat = $"/proc/{pid}/stat";
            string text;
            try
            {
                text = await File.ReadAllTextAsync(stat);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                return true;
            }

            if (text[(text.LastIndexOf(')') + 2)..].StartsWith('Z'))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
