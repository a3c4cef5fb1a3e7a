namespace Longshore.Cli;

/// <summary>A usage or input problem the CLI reports as one line and exit code <see cref="ExitCode"/>.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
