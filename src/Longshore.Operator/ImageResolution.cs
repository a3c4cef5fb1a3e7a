namespace Longshore.Operator;

/// <summary>
/// What the registry said about one policy image this refresh: the tag followed (for a semver range, the highest tag in
/// range) and its digest, or why not. <see cref="Stale"/>: the registry could not be asked and the last known good
/// answer is given, with the registry's error. <see cref="Outage"/>: the failure is the registry being down rather than
/// a refusal, so a lock already made stands as last known good.
/// </summary>
public sealed record ImageResolution(string? Tag, string? Digest, string? MediaType, bool Stale, string? Error, bool Outage)
{
    public static ImageResolution Resolved(string tag, string digest, string? mediaType = null, bool stale = false, string? error = null) => new(tag, digest, mediaType, stale, error, false);

    public static ImageResolution Failed(string? tag, string error, bool outage) => new(tag, null, null, false, error, outage);
}
