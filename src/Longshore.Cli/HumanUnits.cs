using System.Globalization;

namespace Longshore.Cli;

/// <summary>Sizes and ages the way Docker prints them: decimal units ("7.05MB") and "3 days ago".</summary>
internal static class HumanUnits
{
    private static readonly string[] Units = ["B", "kB", "MB", "GB", "TB", "PB"];

    public static string Size(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1000 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }

        // Docker keeps about three significant digits: 5.12MB, 51.2MB, 512MB.
        var text = value >= 100 || unit == 0 ? value.ToString("0", CultureInfo.InvariantCulture)
            : value >= 10 ? value.ToString("0.#", CultureInfo.InvariantCulture)
            : value.ToString("0.##", CultureInfo.InvariantCulture);
        return text + Units[unit];
    }

    public static string Ago(DateTimeOffset? then, DateTimeOffset now)
    {
        if (then is null || then.Value == DateTimeOffset.MinValue)
        {
            return "N/A";
        }

        var span = now - then.Value;
        if (span < TimeSpan.Zero)
        {
            return "Less than a second from now";
        }

        return span.TotalSeconds < 1 ? "Less than a second ago"
            : span.TotalSeconds < 60 ? Plural((int)span.TotalSeconds, "second")
            : span.TotalMinutes < 60 ? Plural((int)span.TotalMinutes, "minute")
            : span.TotalHours < 48 ? Plural((int)span.TotalHours, "hour")
            : span.TotalDays < 14 ? Plural((int)span.TotalDays, "day")
            : span.TotalDays < 60 ? Plural((int)(span.TotalDays / 7), "week")
            : span.TotalDays < 365 * 2 ? Plural((int)(span.TotalDays / 30), "month")
            : Plural((int)(span.TotalDays / 365), "year");
    }

    private static string Plural(int n, string unit) => n == 1 ? $"{(unit == "hour" ? "An" : "1")} {unit} ago" : $"{n} {unit}s ago";
}
