using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// When an ImagePolicy asks the registry again: on a spec change, when refreshSchedule (in timeZone) comes due, when the
/// refresh annotation takes a new value, and, after a failed or stale resolution, sooner than the schedule. Pure.
/// </summary>
public static class PolicyRefresh
{
    public const string Annotation = "longshore.io/refresh-requested";

    /// <summary>How soon a refresh that failed (or used a last known good answer) is tried again, at the latest.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    /// <summary>The schedule the leader's cron wake-ups follow for <paramref name="policy"/>: its refreshSchedule, none when unreadable.</summary>
    public static CronSchedule? ScheduleOf(V1Alpha1ImagePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return CronSchedule.TryParse(policy.Spec.RefreshSchedule, policy.Spec.TimeZone, out var schedule, out _) ? schedule : null;
    }

    public static string? Requested(V1Alpha1ImagePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Metadata.Annotations?.TryGetValue(Annotation, out var value) == true ? value : null;
    }

    public static bool IsDue(V1Alpha1ImagePolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var status = policy.Status;
        return status?.LastRefreshTime is null
            || status.ObservedGeneration != policy.Metadata.Generation
            || status.NextRefreshTime is null
            || status.NextRefreshTime.Value <= now.UtcDateTime
            || (Requested(policy) is { } requested && requested != status.LastHandledRefreshRequest);
    }

    /// <summary>The next refresh after <paramref name="now"/>: the schedule's next time, or sooner after a failure.</summary>
    public static DateTime Next(ImagePolicySpec spec, DateTimeOffset now, bool failed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var scheduled = CronSchedule.Parse(spec.RefreshSchedule, spec.TimeZone).NextAfter(now) ?? now.AddDays(1);
        var next = failed && now + RetryAfterFailure < scheduled ? now + RetryAfterFailure : scheduled;
        return LockPlanner.Seconds(next);
    }
}
