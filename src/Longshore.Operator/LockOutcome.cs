using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// One image's lock after a refresh (null when the image never resolved), what changed, and the failure that left it
/// where it was, if any (<see cref="Refused"/> when the registry refused rather than being down).
/// </summary>
public sealed record LockOutcome(string Image, ImageLock? Lock, LockChange Change, string? Error, bool Refused)
{
    /// <summary>Under Hold, the registry's digest differs from the lock: tag-moved drift until approved.</summary>
    public bool TagMoved => Lock?.RegistryDigest is not null;

    public bool Stale => Lock?.Stale == true;
}
