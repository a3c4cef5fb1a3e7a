using Microsoft.Extensions.Logging.Console;

namespace Longshore.Hosting;

/// <summary>A host's console logging: its format and the least severe level written.</summary>
public sealed record ConsoleLog(LogFormat Format = LogFormat.Text, LogLevel Level = LogLevel.Information)
{
    /// <summary>Replaces the builder's providers with this console output.</summary>
    public void Configure(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(Level);
        if (Format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = false;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = false;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = Console.IsOutputRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
            });
        }

        // The web stack's per-request chatter is not the operator's or the agent's story.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
    }
}
