using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// CronJob's scheduling rules for an ImagePrune, computed from what the status records (nothing in memory, so a restart
/// or a new leader decides the same): the run due now is the latest scheduled time after the last one that ran
/// (status.lastScheduleTime, or the object's creation), started once however many were missed; a missed time older
/// than startingDeadlineSeconds is skipped instead.
/// </summary>
public static class PruneSchedule
{
    /// <summary>The schedule the leader's cron wake-ups follow for <paramref name="prune"/>: none while suspended or unreadable.</summary>
    public static CronSchedule? WakeupOf(V1Alpha1ImagePrune prune)
    {
        ArgumentNullException.ThrowIfNull(prune);
        return !prune.Spec.Suspend && CronSchedule.TryParse(prune.Spec.Schedule, prune.Spec.TimeZone, out var schedule, out _) ? schedule : null;
    }

    public static ScheduleDecision Evaluate(CronSchedule schedule, DateTimeOffset created, DateTimeOffset? lastScheduleTime, long? startingDeadlineSeconds, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var next = schedule.NextAfter(now);
        if (schedule.MostRecent(lastScheduleTime ?? created, now) is not { } latest)
        {
            return new ScheduleDecision(null, null, next);
        }

        return startingDeadlineSeconds is { } deadline && latest + TimeSpan.FromSeconds(deadline) < now
            ? new ScheduleDecision(null, latest, next)
            : new ScheduleDecision(latest, null, next);
    }
}
