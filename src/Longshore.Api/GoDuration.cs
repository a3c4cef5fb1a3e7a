using System.Globalization;

namespace Longshore.Api;

/// <summary>Go's duration syntax as Kubernetes uses it: a sequence of decimal numbers with units, e.g. 1h30m, 10m, 45s, 250ms.</summary>
public static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "is empty: expected a duration such as 10m, 1h30m or 45s";
            return false;
        }

        var i = 0;
        double total = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                error = $"'{text}' is not a duration: expected numbers with units such as 10m, 1h30m or 45s";
                return false;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            double? seconds = text[unitStart..i] switch
            {
                "ns" => 1e-9,
                "us" or "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (seconds is null)
            {
                error = unitStart == i
                    ? $"'{text}' has a number without a unit: use ns, us, ms, s, m or h"
                    : $"'{text}' has an unknown unit '{text[unitStart..i]}': use ns, us, ms, s, m or h";
                return false;
            }

            total += value * seconds.Value;
        }

        if (total > TimeSpan.MaxValue.TotalSeconds)
        {
            error = $"'{text}' is too long";
            return false;
        }

        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException($"duration {error}");
}
