using System.Globalization;

namespace Longshore.Api;

/// <summary>
/// The cron syntax of Kubernetes CronJobs: five fields (minute hour day-of-month month day-of-week) with lists, ranges,
/// steps, <c>*</c>/<c>?</c>, month and weekday names, or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly.
/// </summary>
public static class CronSchedule
{
    private static readonly string[] Macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly (string Name, int Min, int Max, string[]? Names)[] Fields =
    [
        ("minute", 0, 59, null),
        ("hour", 0, 23, null),
        ("day of month", 1, 31, null),
        ("month", 1, 12, Months),
        ("day of week", 0, 7, Days),
    ];

    /// <summary>Null when valid, else what is wrong (which field, what was expected).</summary>
    public static string? Validate(string? schedule)
    {
        if (string.IsNullOrWhiteSpace(schedule))
        {
            return "is empty: expected 5 cron fields (minute hour day-of-month month day-of-week) or a macro such as @daily";
        }

        var text = schedule.Trim();
        if (text.StartsWith('@'))
        {
            return Macros.Contains(text, StringComparer.OrdinalIgnoreCase) ? null : $"'{text}' is not a known macro: use one of {string.Join(", ", Macros)}";
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

        for (var f = 0; f < 5; f++)
        {
            if (ValidateField(parts[f], Fields[f]) is { } error)
            {
                return $"{Fields[f].Name} field '{parts[f]}' {error}";
            }
        }

        return null;
    }

    private static string? ValidateField(string field, (string Name, int Min, int Max, string[]? Names) spec)
    {
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

            if (slash.Length == 2 && (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1))
            {
                return $"has step '{slash[1]}': expected a positive number";
            }

            var range = slash[0];
            if (range is "*" or "?")
            {
                continue;
            }

            var bounds = range.Split('-');
            if (bounds.Length > 2)
            {
                return $"has range '{range}' with more than one '-'";
            }

            var values = new int[bounds.Length];
            for (var b = 0; b < bounds.Length; b++)
            {
                if (!TryValue(bounds[b], spec, out values[b]))
                {
                    return $"has '{bounds[b]}': expected {spec.Min}-{spec.Max}{(spec.Names is null ? string.Empty : " or a name such as " + spec.Names[0])}";
                }
            }

            if (values.Length == 2 && values[0] > values[1])
            {
                return $"has range '{range}' that ends before it starts";
            }
        }

        return null;
    }

    private static bool TryValue(string text, (string Name, int Min, int Max, string[]? Names) spec, out int value)
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
}
