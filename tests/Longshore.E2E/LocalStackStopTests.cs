using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Longshore.TestBed;
using Xunit.Abstractions;

namespace Longshore.E2E;

/// <summary>
/// <c>make run</c> as a user meets it: started from a terminal (its own process group), brought up until Ready, then
/// Ctrl+C to the whole group. It must stop within 10 seconds, in order, and leave no process or folder behind.
/// </summary>
public sealed partial class LocalStackStopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ctrl_C_stops_the_local_stack_in_order_and_leaves_nothing_behind()
    {
        if (Environment.UserName != "root")
        {
            // containerd needs root; under CI a run without it is a failure, not a pass.
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "the local stack runs containerd, which needs root");
            return;
        }

        // setsid makes the script a session and process-group leader, as a shell does for a foreground job; env gives it
        // the default SIGINT disposition a terminal job has (a test run started in the background inherits it ignored).
        var start = new ProcessStartInfo("setsid", ["env", "--default-signal=INT,TERM", "bash", KubeApiServer.RepositoryFile("hack/run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("KUBECONFIG");
        var log = new StringBuilder();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stack = new Process { StartInfo = start };
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(line);
            }

            if (ReadyLine().Match(line) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups[1].Value);
            }
        }

        stack.OutputDataReceived += (_, e) => Read(e.Data);
        stack.ErrorDataReceived += (_, e) => Read(e.Data);
        stack.Start();
        stack.BeginOutputReadLine();
        stack.BeginErrorReadLine();
        var group = stack.Id;
        try
        {
            // The first run builds the local stack; bring-up itself takes well under a minute.
            var finished = await Task.WhenAny(ready.Task, stack.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(15)));
            finished.Should().Be(ready.Task, $"the stack reports Ready:\n{Tail(log)}");
            var bringUp = double.Parse(await ready.Task, CultureInfo.InvariantCulture);
            Tail(log).Should().Contain("kubectl get longshore -A").And.Contain("local-warm");

            var started = Descendants(group);
            foreach (var component in new[] { "etcd", "kube-apiserver", "containerd", "docker-registry" })
            {
                started.Should().Contain(p => p.Name.StartsWith(component, StringComparison.Ordinal), $"the stack started {component}");
            }

            var folders = started.SelectMany(p => TempFolders(p.CommandLine)).Concat(TempFolders(Tail(log))).Distinct().ToList();
            folders.Should().Contain(f => Path.GetFileName(f).StartsWith("longshore-run-", StringComparison.Ordinal));
            folders.Should().Contain(f => Path.GetFileName(f).StartsWith("lsctrd-", StringComparison.Ordinal));

            // Ctrl+C in the terminal: SIGINT to every process of the foreground group.
            var clock = Stopwatch.StartNew();
            (await ProcessRunner.RunAsync("kill", ["-INT", "--", $"-{group}"])).ExitCode.Should().Be(0);
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await stack.WaitForExitAsync(limit.Token);
            }

            var stopped = clock.Elapsed;
            output.WriteLine($"bring-up (stack start to Ready, build excluded): {bringUp:F1} s; Ctrl+C to exit: {stopped.TotalSeconds:F1} s");
            output.WriteLine(Tail(log));
            stopped.Should().BeLessThan(TimeSpan.FromSeconds(10), $"Ctrl+C stops the stack within 10 s:\n{Tail(log)}");

            var order = new[] { "agent", "operator", "containerd", "kube-apiserver", "etcd" }
                .Select(name => Tail(log).IndexOf($"==> stopped {name}", StringComparison.Ordinal))
                .ToList();
            order.Should().NotContain(-1, $"every component reports its stop:\n{Tail(log)}");
            order.Should().BeInAscendingOrder("the stack stops agent, operator, containerd, kube-apiserver, etcd in that order");
            Tail(log).Should().NotContain("   at ", "an interrupted stack logs no stack traces");

            started.Where(p => p.IsAlive()).Select(p => $"{p.Pid} {p.Name}").Should().BeEmpty("no process the stack started outlives it");
            folders.Where(Directory.Exists).Should().BeEmpty("the stack removes its folders");
        }
        finally
        {
            if (!stack.HasExited)
            {
                await ProcessRunner.RunAsync("kill", ["-KILL", "--", $"-{group}"]);
            }
        }
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static IEnumerable<string> TempFolders(string text)
    {
        var temp = Path.GetTempPath();
        foreach (Match match in Regex.Matches(text, $@"{Regex.Escape(temp)}(lsctrd|longshore-[a-z]+)-[A-Za-z0-9]+"))
        {
            yield return match.Value;
        }
    }

    /// <summary>Every process below <paramref name="root"/> now, with its start time so a reused pid is not mistaken for it.</summary>
    private static List<ProcessInfo> Descendants(int root)
    {
        var all = new List<ProcessInfo>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid) && ProcessInfo.Read(pid) is { } info)
            {
                all.Add(info);
            }
        }

        var found = new List<ProcessInfo>();
        var parents = new HashSet<int> { root };
        bool added;
        do
        {
            added = false;
            foreach (var info in all.Where(p => parents.Contains(p.Parent) && !parents.Contains(p.Pid)))
            {
                parents.Add(info.Pid);
                found.Add(info);
                added = true;
            }
        }
        while (added);
        return found;
    }

    [GeneratedRegex(@"==> ready in ([0-9.]+) s")]
    private static partial Regex ReadyLine();

    private sealed record ProcessInfo(int Pid, int Parent, string StartTime, string Name, string CommandLine)
    {
        public static ProcessInfo? Read(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                var name = Path.GetFileName(commandLine.Split(' ')[0]);
                return new ProcessInfo(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), fields[19], name, commandLine);
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        public bool IsAlive() => Read(Pid) is { } now && now.StartTime == StartTime;
    }
}
