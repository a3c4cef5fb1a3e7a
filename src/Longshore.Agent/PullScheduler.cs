using Longshore.Api;
using Longshore.Kube;
using Longshore.Runtime;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>
/// Pulls the wanted images a node lacks: at most <c>slots</c> at once, each attempt limited by the request's pullTimeout,
/// failed attempts retried after a back-off until backoffLimit is used up. The reconciler asks it about each missing
/// image (<see cref="Request"/>: "what is the state of X at digest D with secret S? start it if due") and is told
/// through <see cref="Completed"/> when an attempt ends, so it can look again at once.
/// </summary>
public sealed class PullScheduler : IAsyncDisposable
{
    private readonly IImageRuntime _runtime;
    private readonly IPullCredentials? _credentials;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AgentMetrics? _metrics;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);

    /// <summary>Between attempts: 1 s, 2 s, 4 s … at most 5 minutes.</summary>
    public static readonly Backoff DefaultBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    public PullScheduler(IImageRuntime runtime, int slots, Backoff backoff, TimeProvider time, ILogger logger, IPullCredentials? credentials = null, AgentMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _runtime = runtime;
        _credentials = credentials;
        _backoff = backoff;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _slots = new SemaphoreSlim(slots);
    }

    /// <summary>An attempt ended (success or failure); raised on the attempt's thread, after the state was updated.</summary>
    public event EventHandler<PullCompletedEventArgs>? Completed;

    /// <summary>
    /// The state of a wanted image the runtime did not have when it was listed at <paramref name="listedAt"/>; starts an
    /// attempt when one is due (none running, back-off passed, backoffLimit not used up, no attempt ended since the listing).
    /// </summary>
    public PullState Request(PullRequest request, DateTimeOffset listedAt)
    {
        lock (_lock)
        {
            var series = SeriesOf(request);
            if (series.Running is not null || series.EndedAt > listedAt || series.Failures > request.BackoffLimit || _time.GetUtcNow() < series.NextAttempt)
            {
                return series.State;
            }

            series.Phase = PullPhase.Queued;
            var attempt = new CancellationTokenSource();
            series.Cancel = attempt;
            series.Running = Task.Run(() => AttemptAsync(series, request, attempt.Token));
            return series.State;
        }
    }

    /// <summary>The runtime has the image: what failed before is forgotten; when it was pulled is kept.</summary>
    public PullState Present(PullRequest request)
    {
        lock (_lock)
        {
            var series = SeriesOf(request);
            if (series.Running is null)
            {
                series.Phase = PullPhase.Idle;
                series.Failures = 0;
                series.Reason = null;
                series.Message = null;
                series.NextAttempt = DateTimeOffset.MinValue;
            }

            return series.State;
        }
    }

    /// <summary>The state without starting anything.</summary>
    public PullState StateOf(PullRequest request)
    {
        lock (_lock)
        {
            return SeriesOf(request).State;
        }
    }

    /// <summary>Forgets every reference not in <paramref name="wanted"/>, cancelling its running attempt.</summary>
    public void Retain(IReadOnlySet<string> wanted)
    {
        lock (_lock)
        {
            foreach (var reference in _series.Keys.Where(r => !wanted.Contains(r)).ToList())
            {
                _series[reference].Cancel?.Cancel();
                _series.Remove(reference);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_lock)
        {
            running = _series.Values.Select(s => s.Running).OfType<Task>().ToArray();
        }

        await Task.WhenAll(running);
        _stopping.Dispose();
        _slots.Dispose();
    }

    /// <summary>The series of attempts for the request's reference; a new digest or secret starts a new one.</summary>
    private Series SeriesOf(PullRequest request)
    {
        if (_series.TryGetValue(request.Reference, out var series) && series.Attempt == request.Attempt)
        {
            return series;
        }

        // The old series' running attempt pulls what is no longer wanted: stop it.
        series?.Cancel?.Cancel();
        return _series[request.Reference] = new Series(request.Attempt);
    }

    private async Task AttemptAsync(Series series, PullRequest request, CancellationToken abandoned)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(abandoned, _stopping.Token);
        try
        {
            await _slots.WaitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            End(series, null, null);
            return;
        }

        var started = _time.GetTimestamp();
        Exception? failure = null;
        try
        {
            lock (_lock)
            {
                series.Phase = PullPhase.Pulling;
            }

            using var timeout = new CancellationTokenSource(request.Timeout, _time);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, timeout.Token);
            try
            {
                var credential = _credentials is null ? null : await _credentials.FindAsync(request, limit.Token);
                await _runtime.PullAsync(request.Reference, credential, limit.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                failure = new TimeoutException($"pull did not finish within pullTimeout {request.TimeoutText}");
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Abandoned (no longer wanted, or a new digest) or shutting down: nothing to record.
            _slots.Release();
            End(series, null, null);
            return;
        }
        catch (Exception e)
        {
            failure = e;
        }

        _slots.Release();
        _metrics?.PullEnded(failure is null, _time.GetElapsedTime(started));
        if (failure is null)
        {
            _logger.LogInformation("pulled {Image}", request.Reference);
        }

        var state = End(series, failure, request);
        if (failure is not null)
        {
            _logger.LogWarning("pull of {Image} failed (attempt {Attempt}, {Reason}): {Error}", request.Reference, state.Failures, state.Reason, state.Message);
        }

        Completed?.Invoke(this, new PullCompletedEventArgs(request, state));
    }

    /// <summary>Records how an attempt ended (<paramref name="failure"/> null: pulled); an abandoned attempt (<paramref name="request"/> null) only frees the series.</summary>
    private PullState End(Series series, Exception? failure, PullRequest? request)
    {
        lock (_lock)
        {
            series.Running = null;
            series.Cancel?.Dispose();
            series.Cancel = null;
            if (request is null)
            {
                series.Phase = series.Failures > 0 ? PullPhase.BackingOff : PullPhase.Idle;
                return series.State;
            }

            var now = _time.GetUtcNow();
            series.EndedAt = now;
            if (failure is null)
            {
                series.Phase = PullPhase.Idle;
                series.Failures = 0;
                series.Reason = null;
                series.Message = null;
                series.NextAttempt = DateTimeOffset.MinValue;
                series.PulledAt = now;
            }
            else
            {
                (series.Reason, series.Message) = failure is TimeoutException ? (PullFailureReason.Timeout, failure.Message) : PullFailures.Describe(failure);
                series.Failures++;
                series.NextAttempt = now + _backoff.Delay(series.Failures);
                series.Phase = series.Failures > request.BackoffLimit ? PullPhase.Failed : PullPhase.BackingOff;
            }

            return series.State;
        }
    }

    /// <summary>Attempts for one reference at one digest with one secret. Guarded by the scheduler's lock.</summary>
    private sealed class Series(string attempt)
    {
        public string Attempt { get; } = attempt;

        public PullPhase Phase { get; set; } = PullPhase.Idle;

        public int Failures { get; set; }

        public PullFailureReason? Reason { get; set; }

        public string? Message { get; set; }

        public DateTimeOffset NextAttempt { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset? PulledAt { get; set; }

        public DateTimeOffset EndedAt { get; set; } = DateTimeOffset.MinValue;

        public Task? Running { get; set; }

        public CancellationTokenSource? Cancel { get; set; }

        public PullState State => new(Phase, Failures, Reason, Message, NextAttempt, PulledAt);
    }
}
