using Longshore.Api;
using Longshore.Oci;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>The typed reason and the message of a failed pull, from the exception's type and the kind its thrower set.</summary>
internal static class PullFailures
{
    public static (PullFailureReason Reason, string Message) Describe(Exception e) => e switch
    {
        RuntimeException r => (ReasonOf(r.Kind), r.Message),
        PullSecretUnavailableException s => (PullFailureReason.SecretUnavailable, s.Message),
        OciFormatException f => (PullFailureReason.PullFailed, f.Message),
        _ => (PullFailureReason.PullFailed, $"{e.GetType().Name}: {e.Message}"),
    };

    public static PullFailureReason ReasonOf(RuntimeErrorKind kind) => kind switch
    {
        RuntimeErrorKind.NotFound => PullFailureReason.NotFound,
        RuntimeErrorKind.Unauthorized => PullFailureReason.Unauthorized,
        RuntimeErrorKind.PlatformMissing => PullFailureReason.PlatformMissing,
        RuntimeErrorKind.RegistryUnavailable => PullFailureReason.RegistryUnavailable,
        RuntimeErrorKind.TimedOut => PullFailureReason.Timeout,
        RuntimeErrorKind.RuntimeFailure => PullFailureReason.RuntimeError,
        _ => PullFailureReason.PullFailed,
    };
}
