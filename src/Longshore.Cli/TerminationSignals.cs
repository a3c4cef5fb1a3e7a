using System.Runtime.InteropServices;

namespace Longshore.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancellation, so that the command stops cleanly (no image half-written;
/// a download's bytes stay for the next pull to continue) and exits with the shell's code for that signal: 130 for SIGINT, 143 for SIGTERM. A second signal is left to
/// the runtime's default, which ends the process at once.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    public const int InterruptExitCode = 130;
    public const int TerminateExitCode = 143;

    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _exitCode;

    public TerminationSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>The exit code for the signal that arrived first; 130 when none did (a cancellation from elsewhere).</summary>
    public int ExitCode => _exitCode == 0 ? InterruptExitCode : _exitCode;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        var code = context.Signal == PosixSignal.SIGTERM ? TerminateExitCode : InterruptExitCode;
        if (Interlocked.CompareExchange(ref _exitCode, code, 0) != 0)
        {
            return;
        }

        context.Cancel = true;
        _cancellation.Cancel();
    }
}
