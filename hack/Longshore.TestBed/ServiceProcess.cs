using System.Diagnostics;
using System.Text;

namespace Longshore.TestBed;

/// <summary>
/// A long-running component (registry, containerd, etcd, …) started for a test or the local stack. Its output is kept
/// in memory (the tail shows up in failure messages). It runs in a session of its own, so a Ctrl+C in the terminal
/// reaches only the program that started it, which stops its components in the order it chooses. Stopping asks the
/// component to end (SIGTERM), and kills its process tree when it has not ended within <see cref="GracePeriod"/>.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    // Components must not outlive the process that started them, even when it exits without disposing them.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ServiceProcess, bool> Live = new();
    private readonly Process _process;

    static ServiceProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var service in Live.Keys)
        {
            try
            {
                service._process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    };
    private readonly StringBuilder _output = new();
    private readonly bool _ownSession;
    private Task? _stopping;

    private ServiceProcess(Process process, string name, bool ownSession)
    {
        _process = process;
        Name = name;
        _ownSession = ownSession;
    }

    /// <summary>Raised once a component has stopped (sender: the <see cref="ServiceProcess"/>), so a caller can report the order.</summary>
    public static event EventHandler? Stopped;

    /// <summary>How long a component may take to end after SIGTERM before its process tree is killed.</summary>
    public static TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last few kilobytes the process printed, for failure messages.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                var text = _output.ToString();
                return text.Length > 4000 ? text[^4000..] : text;
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>, through <paramref name="commandPrefix"/> when given (e.g. <c>nsenter</c> into a
    /// <see cref="NodeNamespace"/>); the component keeps its own name in messages either way.
    /// </summary>
    public static ServiceProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, IReadOnlyList<string>? commandPrefix = null)
    {
        // setsid(1) gives the component a session (and process group) of its own, then execs it under the same pid.
        var setsid = OperatingSystem.IsLinux() ? ComponentLocator.Find("setsid") : null;
        string[] launcher = setsid is null ? [.. commandPrefix ?? []] : [setsid, .. commandPrefix ?? []];
        var (file, launchArguments) = CommandPrefix.Apply(launcher, fileName, arguments);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in launchArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, Path.GetFileName(fileName), setsid is not null);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Live[service] = true;
        return service;
    }

    /// <summary>Polls <paramref name="ready"/> until it returns true; fails early with the output if the process exits.</summary>
    public async Task WaitUntilAsync(Func<CancellationToken, Task<bool>> ready, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:\n{OutputTail}");
            }

            try
            {
                if (await ready(cancellationToken))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}:\n{OutputTail}");
    }

    /// <summary>Stops the component (once; later calls wait for the same stop).</summary>
    public Task StopAsync()
    {
        lock (_output)
        {
            return _stopping ??= StopOnceAsync();
        }
    }

    private async Task StopOnceAsync()
    {
        Live.TryRemove(this, out _);
        if (!_process.HasExited)
        {
            // Its own process group when it has its own session: whatever it started ends with it.
            await ProcessRunner.RunAsync("kill", ["-TERM", "--", _ownSession ? $"-{_process.Id}" : _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(5));
            using var grace = new CancellationTokenSource(GracePeriod);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                await _process.WaitForExitAsync();
            }
        }

        Stopped?.Invoke(this, EventArgs.Empty);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 64_000)
            {
                _output.Remove(0, _output.Length - 32_000);
            }
        }
    }
}
