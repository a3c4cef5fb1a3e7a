using System.Globalization;

namespace Longshore.Api;

/// <summary>Checked values for the operator's and the agent's command-line options: errors name the option and what it takes.</summary>
public static class HostArguments
{
    public static int Port(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"{option}: '{text}' is not a port number (1-65535)");

    public static int Count(string option, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= min && count <= max
            ? count
            : throw new ArgumentException($"{option}: '{text}' is not a whole number from {min} to {max}");

    public static TimeSpan Seconds(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{option}: '{text}' is not a whole number of seconds above 0");

    /// <summary>A Go-style duration (<c>90s</c>, <c>5m</c>, <c>1h30m</c>) above zero.</summary>
    public static TimeSpan Duration(string option, string text) =>
        GoDuration.TryParse(text, out var duration, out var error) && duration > TimeSpan.Zero
            ? duration
            : throw new ArgumentException($"{option}: '{text}' is not a positive duration such as 30s or 5m{(string.IsNullOrEmpty(error) ? string.Empty : $" ({error})")}");
}
