namespace Longshore.Runtime;

/// <summary>What kind of failure a runtime reported, as far as the runtime typed it (a gRPC status, a registry status code).</summary>
public enum RuntimeErrorKind
{
    /// <summary>The runtime gave no more specific kind; its message says what happened.</summary>
    Unknown,

    /// <summary>The registry has no such repository, tag or digest.</summary>
    NotFound,

    /// <summary>The registry refused the credentials, or wanted some.</summary>
    Unauthorized,

    /// <summary>The image exists, but not for this node's platform.</summary>
    PlatformMissing,

    /// <summary>The registry could not be reached, or answered with a server error or rate limit.</summary>
    RegistryUnavailable,

    /// <summary>The runtime's own deadline passed.</summary>
    TimedOut,

    /// <summary>The runtime itself could not be reached or failed internally.</summary>
    RuntimeFailure,
}
