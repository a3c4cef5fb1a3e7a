using Longshore.Api;
using Longshore.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Agent;

/// <summary>
/// A GitOps loop for one host without a cluster: the ImagePrePull objects in a folder of YAML files become this
/// machine's NodeImage spec, which the same <see cref="NodeImageSync"/> as in a cluster makes true (pull what is
/// missing, pin it, unpin what the folder no longer lists); the status stays in memory and its changes are logged. The
/// folder is read again when it changes, and the runtime looked at again when a pull ends, when the runtime reports a
/// removal, or at the resync.
/// </summary>
public sealed class StandaloneAgent(string manifests, IImageRuntime runtime, TimeSpan resync, ILogger? logger = null, TimeProvider? time = null, int maxConcurrentPulls = 2, AgentMetrics? metrics = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>What the last pass found: per wanted image Present or its phase and message, per skipped file or object why.</summary>
    public IReadOnlyDictionary<string, string> LastResult { get; private set; } = new Dictionary<string, string>();

    /// <summary>The status the last pass built, as a cluster agent would have written it.</summary>
    public NodeImageStatus? Status { get; private set; }

    public int Passes { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(manifests) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        void Signal(object? sender, EventArgs e)
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        }

        watcher.Changed += Signal;
        watcher.Created += Signal;
        watcher.Deleted += Signal;
        watcher.Renamed += Signal;
        await using var pulls = new PullScheduler(runtime, maxConcurrentPulls, PullScheduler.DefaultBackoff, _time, _logger, metrics: metrics);
        pulls.Completed += Signal;
        var sync = new NodeImageSync(runtime, pulls, _time, _logger, metrics);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var removals = RemovalFeed.FollowAsync(runtime, () => Signal(null, EventArgs.Empty), resync, _time, _logger, stop.Token);
        try
        {
            await LoopAsync(sync, changed, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await removals;
        }
    }

    private async Task LoopAsync(NodeImageSync sync, SemaphoreSlim changed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = resync;
            try
            {
                var retryAt = await ApplyOnceAsync(sync, cancellationToken);
                if (retryAt - _time.GetUtcNow() is { } due && due < wait)
                {
                    wait = due > TimeSpan.Zero ? due : TimeSpan.Zero;
                }
            }
            catch (RuntimeException e)
            {
                _logger.LogWarning("the runtime failed ({Error}); trying again in {Resync}", e.Message, resync);
            }

            try
            {
                await changed.WaitAsync(wait, cancellationToken);
                // Editors write in several steps: let the folder settle.
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: read the folder, make the runtime match, keep and log the status.</summary>
    private async Task<DateTimeOffset?> ApplyOnceAsync(NodeImageSync sync, CancellationToken cancellationToken)
    {
        var (spec, skipped) = await ManifestFolder.ReadAsync(manifests, _logger, cancellationToken);
        var result = await sync.SyncAsync(spec, Status, generation: null, cancellationToken);
        if (result.Changed)
        {
            var before = (Status?.Images ?? []).ToDictionary(i => i.Reference, StringComparer.Ordinal);
            foreach (var entry in result.Status.Images ?? [])
            {
                if (before.GetValueOrDefault(entry.Reference) is { } last && last.Phase == entry.Phase)
                {
                    continue;
                }

                if (entry.Phase == ImagePhase.Failed)
                {
                    _logger.LogWarning("{Image}: {Phase} ({Reason}): {Message}", entry.Reference, entry.Phase, entry.Reason, entry.Message);
                }
                else
                {
                    _logger.LogInformation("{Image}: {Phase}", entry.Reference, entry.Phase);
                }
            }

            result.Status.HeartbeatTime = _time.GetUtcNow().UtcDateTime;
        }

        Status = result.Status;
        var summary = new Dictionary<string, string>(skipped, StringComparer.Ordinal);
        foreach (var entry in result.Status.Images ?? [])
        {
            summary[entry.Reference] = entry.Phase == ImagePhase.Present ? "Present" : entry.Message is null ? entry.Phase.ToString() : $"{entry.Phase}: {entry.Message}";
        }

        LastResult = summary;
        Passes++;
        return result.RetryAt;
    }
}
