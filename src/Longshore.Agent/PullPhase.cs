namespace Longshore.Agent;

/// <summary>Where a wanted image's pulling stands.</summary>
public enum PullPhase
{
    /// <summary>Nothing asked yet, or the last attempt succeeded.</summary>
    Idle,

    /// <summary>Started, waiting for a free slot.</summary>
    Queued,

    /// <summary>An attempt holds a slot and is pulling.</summary>
    Pulling,

    /// <summary>The last attempt failed; the next one is due at <see cref="PullState.NextAttempt"/>.</summary>
    BackingOff,

    /// <summary>Every attempt backoffLimit allows failed.</summary>
    Failed,
}
