using System.Globalization;

namespace Longshore.LayerStore;

/// <summary>
/// What to prune: <see cref="Mode"/>, <c>until=</c> (images created before; a timestamp or a duration such as 24h),
/// <c>label=key[=value]</c> / <c>label!=key[=value]</c>, and reference patterns never to prune (<see cref="Keep"/>).
/// </summary>
public sealed record PruneOptions
{
    public PruneMode Mode { get; init; } = PruneMode.Dangling;

    public DateTimeOffset? Until { get; init; }

    public IReadOnlyList<LabelFilter> Labels { get; init; } = [];

    public IReadOnlyList<LabelFilter> NotLabels { get; init; } = [];

    public IReadOnlyList<string> Keep { get; init; } = [];

    public static PruneOptions Parse(PruneMode mode, IEnumerable<string> filters, DateTimeOffset now)
    {
        var options = new PruneOptions { Mode = mode };
        foreach (var filter in filters)
        {
            var eq = filter.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"bad filter '{filter}': expected until=TIME or label=key[=value]");
            }

            var key = filter[..eq];
            var value = filter[(eq + 1)..];
            options = key switch
            {
                "until" => options with { Until = ParseUntil(value, now) },
                "label" => options with { Labels = [.. options.Labels, LabelFilter.Parse(value)] },
                "label!" => options with { NotLabels = [.. options.NotLabels, LabelFilter.Parse(value)] },
                _ => throw new ArgumentException($"invalid filter '{key}': prune supports until and label"),
            };
        }

        return options;
    }

    /// <summary>An RFC 3339 timestamp, a Unix timestamp, or a Go duration (<c>24h</c>, <c>90m</c>) back from now.</summary>
    public static DateTimeOffset ParseUntil(string value, DateTimeOffset now)
    {
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
        {
            return timestamp;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        var total = TimeSpan.Zero;
        var number = string.Empty;
        var matched = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c) || c == '.')
            {
                number += c;
                continue;
            }

            if (number.Length == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                matched = false;
                break;
            }

            var unit = c switch
            {
                'h' => TimeSpan.FromHours(amount),
                'm' when i + 1 < value.Length && value[i + 1] == 's' => TimeSpan.FromMilliseconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                's' => TimeSpan.FromSeconds(amount),
                _ => (TimeSpan?)null,
            };
            if (unit is null)
            {
                matched = false;
                break;
            }

            if (c == 'm' && i + 1 < value.Length && value[i + 1] == 's')
            {
                i++;
            }

            total += unit.Value;
            number = string.Empty;
            matched = true;
        }

        if (!matched || number.Length > 0)
        {
            throw new ArgumentException($"invalid until value '{value}': expected a timestamp (2024-01-02T15:04:05Z), Unix seconds or a duration such as 24h or 90m");
        }

        return now - total;
    }
}
