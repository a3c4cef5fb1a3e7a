using Longshore.Api;

namespace Longshore.Agent;

/// <summary>What the pull scheduler knows about one wanted image: a snapshot, safe to keep.</summary>
/// <param name="Phase">Where its pulling stands.</param>
/// <param name="Failures">Failed attempts in a row for this digest and secret.</param>
/// <param name="Reason">Why the last attempt failed.</param>
/// <param name="Message">What the last failure said.</param>
/// <param name="NextAttempt">When a new attempt may start after a failure.</param>
/// <param name="PulledAt">When an attempt for this digest and secret last succeeded; what the tag gave then is what the node keeps.</param>
public sealed record PullState(PullPhase Phase, int Failures, PullFailureReason? Reason, string? Message, DateTimeOffset NextAttempt, DateTimeOffset? PulledAt)
{
    public static PullState None { get; } = new(PullPhase.Idle, 0, null, null, DateTimeOffset.MinValue, null);
}
