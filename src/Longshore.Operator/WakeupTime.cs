namespace Longshore.Operator;

/// <summary>When a followed object is woken: a Quartz cron expression (seconds first) read in a time zone.</summary>
internal sealed record WakeupTime(string Expression, TimeZoneInfo TimeZone);
