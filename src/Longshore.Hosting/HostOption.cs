using System.CommandLine;
using System.Globalization;
using System.Text;
using Longshore.Api;

namespace Longshore.Hosting;

/// <summary>
/// Options for the operator and the agent. Help shows each one's default and environment variable (LONGSHORE_ and the
/// option's name, unless another is given); errors name the option or variable and say what it takes.
/// </summary>
public static class HostOption
{
    /// <summary>A value parsed from text by <paramref name="parse"/>(source, text), where source is the option or variable it came from.</summary>
    public static HostOption<T> Create<T>(string name, string valueName, string description, T defaultValue, string defaultText, Func<string, string, T> parse, string? environmentVariable = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var variable = environmentVariable ?? VariableFor(name);
        var option = new Option<string>(name) { HelpName = valueName, Description = Describe(description, defaultText, variable) };
        return new HostOption<T>(option, result =>
            result.GetValue(option) is { } text ? parse(name, text)
            : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? parse(variable, value)
            : defaultValue);
    }

    public static HostOption<string> Text(string name, string valueName, string description, string defaultValue, string? environmentVariable = null) =>
        Create(name, valueName, description, defaultValue, defaultValue, (_, text) => text, environmentVariable);

    /// <summary>Text with no default: null when neither the option nor its variable is given.</summary>
    public static HostOption<string?> OptionalText(string name, string valueName, string description, string noneText, string? environmentVariable = null) =>
        Create<string?>(name, valueName, description, null, noneText, (_, text) => text, environmentVariable);

    public static HostOption<int> Port(string name, string description, int defaultValue) =>
        Create(name, "PORT", description, defaultValue, defaultValue.ToString(CultureInfo.InvariantCulture), (source, text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
                ? port
                : throw new ArgumentException($"{source}: '{text}' is not a port number (1-65535)"));

    public static HostOption<int> Count(string name, string description, int defaultValue, int min, int max) =>
        Create(name, "N", description, defaultValue, defaultValue.ToString(CultureInfo.InvariantCulture), (source, text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= min && count <= max
                ? count
                : throw new ArgumentException($"{source}: '{text}' is not a whole number from {min} to {max}"));

    public static HostOption<TimeSpan> Seconds(string name, string description, TimeSpan defaultValue) =>
        Create(name, "SECONDS", description, defaultValue, ((int)defaultValue.TotalSeconds).ToString(CultureInfo.InvariantCulture), (source, text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new ArgumentException($"{source}: '{text}' is not a whole number of seconds above 0"));

    /// <summary>A Go-style duration (<c>90s</c>, <c>5m</c>, <c>1h30m</c>) above zero, as Kubernetes tools write them.</summary>
    public static HostOption<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) =>
        Create(name, "DURATION", description, defaultValue, FormatDuration(defaultValue), (source, text) =>
            GoDuration.TryParse(text, out var duration, out var error) && duration > TimeSpan.Zero
                ? duration
                : throw new ArgumentException($"{source}: '{text}' is not a positive duration such as 30s or 5m{(string.IsNullOrEmpty(error) ? string.Empty : $" ({error})")}"));

    /// <summary>A switch: present means true; its variable takes true or false.</summary>
    public static HostOption<bool> Flag(string name, string description, string? environmentVariable = null)
    {
        var variable = environmentVariable ?? VariableFor(name);
        var option = new Option<bool>(name) { Description = Describe(description, "off", variable) };
        return new HostOption<bool>(option, result =>
            result.GetValue(option)
            || (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
                && (bool.TryParse(value, out var on) ? on : throw new ArgumentException($"{variable}: '{value}' is not true or false"))));
    }

    /// <summary>An option given any number of times; its variable takes a comma-separated list.</summary>
    public static HostOption<IReadOnlyList<string>> List(string name, string valueName, string description, string? environmentVariable = null)
    {
        var variable = environmentVariable ?? VariableFor(name);
        var option = new Option<string[]>(name) { HelpName = valueName, Description = Describe($"{description}; repeatable", "none", variable) };
        return new HostOption<IReadOnlyList<string>>(option, result =>
            result.GetValue(option) is { Length: > 0 } values ? values
            : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : []);
    }

    public static HostOption<T> Choice<T>(string name, string description, T defaultValue, string? valueName = null, string? environmentVariable = null)
        where T : struct, Enum =>
        Create(name, valueName ?? string.Join('|', Enum.GetNames<T>().Select(n => n.ToLowerInvariant())), description, defaultValue, defaultValue.ToString().ToLowerInvariant(), (source, text) =>
            Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0])
                ? value
                : throw new ArgumentException($"{source}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}"),
            environmentVariable);

    /// <summary>LONGSHORE_ and the option's name in capitals: --resolve-interval reads LONGSHORE_RESOLVE_INTERVAL.</summary>
    public static string VariableFor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "LONGSHORE_" + name.TrimStart('-').Replace('-', '_').ToUpperInvariant();
    }

    /// <summary>A duration as Go writes it: 90s as 1m30s, 5 minutes as 5m.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var text = new StringBuilder();
        if ((int)duration.TotalHours is > 0 and var hours)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (duration.Minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m");
        }

        if (duration.Seconds > 0 || duration.Milliseconds > 0 || text.Length == 0)
        {
            text.Append(duration.Milliseconds > 0
                ? $"{(duration.Seconds + (duration.Milliseconds / 1000.0)).ToString(CultureInfo.InvariantCulture)}s"
                : $"{duration.Seconds.ToString(CultureInfo.InvariantCulture)}s");
        }

        return text.ToString();
    }

    private static string Describe(string description, string defaultText, string variable) => $"{description} [default: {defaultText}] [env: {variable}]";
}
