namespace Longshore.Operator;

/// <summary>What the schedule says at one moment.</summary>
/// <param name="Due">The scheduled time of the run to start now, if one is due.</param>
/// <param name="Missed">A scheduled time that was missed by more than the starting deadline and is skipped.</param>
/// <param name="Next">The next scheduled time after now (null when the schedule has no more).</param>
public readonly record struct ScheduleDecision(DateTimeOffset? Due, DateTimeOffset? Missed, DateTimeOffset? Next);
