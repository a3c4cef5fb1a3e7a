using Longshore.Api;

namespace Longshore.Agent;

/// <summary>
/// One wanted image to pull: the reference, the digest the operator resolved it to (if any) and the pull secret to use.
/// A change of digest or secret starts the attempts over.
/// </summary>
public sealed record PullRequest(string Reference, string? Digest, SecretReference? Secret, TimeSpan Timeout, int BackoffLimit)
{
    /// <summary>How pullTimeout was written, for messages ("pull did not finish within pullTimeout 5m").</summary>
    public string TimeoutText { get; init; } = Timeout.ToString();

    /// <summary>What makes two requests for one reference the same attempt series.</summary>
    internal string Attempt => $"{Digest}|{Secret?.Namespace}/{Secret?.Name}";
}
