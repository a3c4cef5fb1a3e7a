namespace Longshore.Agent;

/// <summary>
/// Whether the node's image runtime answers, from the outcomes of periodic checks. Liveness fails only after
/// <see cref="FailureThreshold"/> checks in a row have failed: a runtime restart (seconds) is ridden out by reconnecting
/// on the next call, while a runtime that stays unreachable gets the agent's container restarted by kubelet.
/// </summary>
public sealed class RuntimeHealth
{
    private readonly TimeProvider _time;
    private Snapshot _state = new(0, null, null, false);

    public RuntimeHealth(int failureThreshold, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failureThreshold, 1);
        FailureThreshold = failureThreshold;
        _time = time;
    }

    public int FailureThreshold { get; }

    /// <summary>Failed checks since the last one that succeeded.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _state).Failures;

    /// <summary>When the current run of failures began; null while the runtime answers.</summary>
    public DateTimeOffset? FailingSince => Volatile.Read(ref _state).Since;

    /// <summary>What the last failed check said; null while the runtime answers.</summary>
    public string? LastError => Volatile.Read(ref _state).Error;

    /// <summary>The last check succeeded (false before the first check).</summary>
    public bool Up => Volatile.Read(ref _state).Up;

    /// <summary>False once <see cref="FailureThreshold"/> checks in a row have failed.</summary>
    public bool IsLive => ConsecutiveFailures < FailureThreshold;

    public void Succeeded() => Volatile.Write(ref _state, new Snapshot(0, null, null, true));

    /// <returns>The number of failures in a row, this one included.</returns>
    public int Failed(string error)
    {
        var state = Volatile.Read(ref _state);
        var next = new Snapshot(state.Failures + 1, state.Since ?? _time.GetUtcNow(), error, false);
        Volatile.Write(ref _state, next);
        return next.Failures;
    }

    /// <summary>Immutable, so a probe handler never sees a count from one check and an error from another.</summary>
    private sealed record Snapshot(int Failures, DateTimeOffset? Since, string? Error, bool Up);
}
