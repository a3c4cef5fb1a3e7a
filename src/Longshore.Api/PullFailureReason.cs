using System.Text.Json.Serialization;

namespace Longshore.Api;

/// <summary>Why a pull failed, set where the error is known (never guessed from message text).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PullFailureReason>))]
public enum PullFailureReason
{
    /// <summary>A failure of no more specific kind (the message says what).</summary>
    PullFailed,

    /// <summary>The registry has no such repository, tag or digest.</summary>
    NotFound,

    /// <summary>The registry refused the credentials, or none were given where they are needed.</summary>
    Unauthorized,

    /// <summary>The pull did not finish within pullTimeout.</summary>
    Timeout,

    /// <summary>The image exists, but not for the node's platform.</summary>
    PlatformMissing,

    /// <summary>The registry could not be reached or kept failing (connection errors, 5xx, 429).</summary>
    RegistryUnavailable,

    /// <summary>The pull secret the image names is missing or unreadable.</summary>
    SecretUnavailable,

    /// <summary>The container runtime failed the pull or is unreachable.</summary>
    RuntimeError,
}
