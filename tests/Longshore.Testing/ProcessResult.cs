namespace Longshore.Testing;

/// <summary>What a finished process printed and how it exited.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public ProcessResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"'{CommandLine}' exited with {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}".Trim());
}
