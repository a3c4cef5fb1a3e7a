using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Quartz;

namespace Longshore.Api;

/// <summary>
/// A schedule in the cron syntax of Kubernetes CronJobs: five fields (minute hour day-of-month month day-of-week) with
/// lists, ranges, steps, <c>*</c>/<c>?</c>, month and weekday names (day of week 0-7, both 0 and 7 Sunday), or one of
/// @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly; read in an IANA time zone. The fields are expanded
/// as CronJob's parser does and handed to Quartz's <see cref="CronExpression"/> as an explicit Quartz expression, which
/// does the calendar and time-zone arithmetic. The validator and the scheduler both go through <see cref="TryParse"/>,
/// so what validates is what runs.
/// </summary>
/// <remarks>
/// CronJob's day rule: when both day fields restrict (neither is <c>*</c>/<c>?</c> without a step), a day matching
/// either runs; Quartz unions two restricting day fields the same way. Across daylight saving changes Quartz's rule
/// applies: a time the clocks skip runs at the instant they jump (02:30 over a 02:00-03:00 gap runs at 03:00), and a
/// time that occurs twice runs once, at its first occurrence.
/// </remarks>
public sealed class CronSchedule
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 0 1 1 ?",
        ["@annually"] = "0 0 0 1 1 ?",
        ["@monthly"] = "0 0 0 1 * ?",
        ["@weekly"] = "0 0 0 ? * 1",
        ["@daily"] = "0 0 0 * * ?",
        ["@midnight"] = "0 0 0 * * ?",
        ["@hourly"] = "0 0 * * * ?",
    };

    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly FieldSpec[] Fields =
    [
        new("minute", 0, 59, null),
        new("hour", 0, 23, null),
        new("day of month", 1, 31, null),
        new("month", 1, 12, Months),
        new("day of week", 0, 7, Days),
    ];

    private readonly CronExpression _expression;

    private CronSchedule(string text, CronExpression expression)
    {
        Text = text;
        _expression = expression;
    }

    /// <summary>The schedule as written.</summary>
    public string Text { get; }

    /// <summary>The Quartz expression it was translated to (seconds first, day of week 1-7 from Sunday).</summary>
    public string QuartzExpression => _expression.CronExpressionString;

    public TimeZoneInfo TimeZone => _expression.TimeZone;

    /// <summary>Null when valid, else what is wrong (which field, what was expected).</summary>
    public static string? Validate(string? schedule) => TryParse(schedule, null, out _, out var error) ? null : error;

    /// <summary>Null when <paramref name="timeZone"/> is null (UTC) or a known IANA zone, else what is wrong.</summary>
    public static string? ValidateTimeZone(string? timeZone) =>
        timeZone is null || (timeZone.Length > 0 && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            ? null
            : $"'{timeZone}' is not a known IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)";

    /// <summary>Reads <paramref name="schedule"/> in <paramref name="timeZone"/> (IANA; null means UTC).</summary>
    public static bool TryParse(string? schedule, string? timeZone, [NotNullWhen(true)] out CronSchedule? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (ValidateTimeZone(timeZone) is { } zoneError)
        {
            error = $"timeZone {zoneError}";
            return false;
        }

        error = Translate(schedule, out var quartz);
        if (error is not null)
        {
            return false;
        }

        var zone = timeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        if (!CronExpression.TryParse(quartz, CronFormat.Quartz, out var expression))
        {
            // The translation only writes what Quartz reads; this guards the one source of truth, not user input.
            error = $"'{schedule}' could not be read as the Quartz expression '{quartz}'";
            return false;
        }

        expression = expression.WithTimeZone(zone);
        if (expression.GetNextValidTimeAfter(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            error = $"'{schedule!.Trim()}' never matches a date (e.g. 30 February): pick days that every matching month has";
            return false;
        }

        result = new CronSchedule(schedule!.Trim(), expression);
        return true;
    }

    /// <summary>As <see cref="TryParse"/>, throwing <see cref="FormatException"/> with the reason.</summary>
    public static CronSchedule Parse(string schedule, string? timeZone = null) =>
        TryParse(schedule, timeZone, out var result, out var error) ? result : throw new FormatException($"schedule {error}");

    /// <summary>The first scheduled time strictly after <paramref name="instant"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) => _expression.GetNextValidTimeAfter(instant);

    /// <summary>
    /// The latest scheduled time in (<paramref name="after"/>, <paramref name="atOrBefore"/>], or null: the run that is
    /// due when the clock reads <paramref name="atOrBefore"/> and the last run was scheduled at <paramref name="after"/>.
    /// </summary>
    public DateTimeOffset? MostRecent(DateTimeOffset after, DateTimeOffset atOrBefore)
    {
        if (atOrBefore <= after)
        {
            return null;
        }

        // Quartz works in whole seconds: the latest time before the next second is the latest at or before the instant.
        var latest = _expression.GetPreviousValidTimeBefore(atOrBefore.AddSeconds(1) - TimeSpan.FromTicks(atOrBefore.Ticks % TimeSpan.TicksPerSecond));
        return latest is { } t && t > after && t <= atOrBefore ? t : null;
    }

    /// <summary>Translates a CronJob schedule into a Quartz expression; returns the problem, or null.</summary>
    private static string? Translate(string? schedule, out string quartz)
    {
        quartz = string.Empty;
        if (string.IsNullOrWhiteSpace(schedule))
        {
            return "is empty: expected 5 cron fields (minute hour day-of-month month day-of-week) or a macro such as @daily";
        }

        var text = schedule.Trim();
        if (text.StartsWith('@'))
        {
            if (Macros.TryGetValue(text, out var macro))
            {
                quartz = macro;
                return null;
            }

            return $"'{text}' is not a known macro: use one of {string.Join(", ", Macros.Keys)}";
        }

        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            return "sets a time zone inside the schedule: use the timeZone field instead";
        }

        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            return $"'{text}' has {parts.Length} fields: expected 5 (minute hour day-of-month month day-of-week)";
        }

        var sets = new SortedSet<int>[5];
        var star = new bool[5];
        for (var f = 0; f < 5; f++)
        {
            sets[f] = [];
            if (ReadField(parts[f], Fields[f], sets[f], out star[f]) is { } error)
            {
                return $"{Fields[f].Name} field '{parts[f]}' {error}";
            }
        }

        // Day of week 0-7 (0 and 7 Sunday) becomes Quartz's 1-7 from Sunday.
        var weekdays = new SortedSet<int>(sets[4].Select(d => (d % 7) + 1));
        var (dayOfMonth, dayOfWeek) = (star[2], star[4]) switch
        {
            (true, true) => ("*", "?"),
            (true, false) => ("?", List(weekdays, 1, 7)),
            (false, true) => (List(sets[2], 1, 31), "?"),
            // Both restrict: CronJob runs on a day either names, and so does Quartz.
            (false, false) => (string.Join(',', sets[2]), string.Join(',', weekdays)),
        };
        quartz = $"0 {List(sets[0], 0, 59)} {List(sets[1], 0, 23)} {dayOfMonth} {List(sets[3], 1, 12)} {dayOfWeek}";
        return null;
    }

    private static string List(SortedSet<int> values, int min, int max) =>
        values.Count == max - min + 1 ? "*" : string.Join(',', values);

    /// <summary>
    /// Adds the values one field names to <paramref name="values"/>, as CronJob's parser reads it: a field is
    /// "unrestricted" (<paramref name="star"/>) when an element is <c>*</c> or <c>?</c> without a step above 1, and
    /// <c>N/step</c> means N to the field's maximum.
    /// </summary>
    private static string? ReadField(string field, FieldSpec spec, SortedSet<int> values, out bool star)
    {
        star = false;
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0)
            {
                return "has an empty list element";
            }

            var slash = item.Split('/');
            if (slash.Length > 2)
            {
                return "has more than one '/'";
            }

            var step = 1;
            if (slash.Length == 2 && (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                return $"has step '{slash[1]}': expected a positive number";
            }

            var range = slash[0];
            int first, last;
            if (range is "*" or "?")
            {
                (first, last) = (spec.Min, spec.Max);
                star |= step == 1;
            }
            else
            {
                var bounds = range.Split('-');
                if (bounds.Length > 2)
                {
                    return $"has range '{range}' with more than one '-'";
                }

                var parsed = new int[bounds.Length];
                for (var b = 0; b < bounds.Length; b++)
                {
                    if (!TryValue(bounds[b], spec, out parsed[b]))
                    {
                        return $"has '{bounds[b]}': expected {spec.Min}-{spec.Max}{(spec.Names is null ? string.Empty : " or a name such as " + spec.Names[0])}";
                    }
                }

                if (parsed.Length == 2 && parsed[0] > parsed[1])
                {
                    return $"has range '{range}' that ends before it starts";
                }

                first = parsed[0];
                last = parsed.Length == 2 ? parsed[1] : slash.Length == 2 ? spec.Max : parsed[0];
            }

            for (var value = first; value <= last; value += step)
            {
                values.Add(value);
            }
        }

        return null;
    }

    private static bool TryValue(string text, FieldSpec spec, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return value >= spec.Min && value <= spec.Max;
        }

        if (spec.Names is not null)
        {
            var index = Array.FindIndex(spec.Names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                value = spec.Names == Months ? index + 1 : index;
                return true;
            }
        }

        return false;
    }

    private sealed record FieldSpec(string Name, int Min, int Max, string[]? Names);
}
