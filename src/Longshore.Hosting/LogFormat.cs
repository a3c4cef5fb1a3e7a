namespace Longshore.Hosting;

/// <summary>How a host writes its logs to the console.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry.</summary>
    Text,

    /// <summary>One JSON object per entry, for log collectors.</summary>
    Json,
}
