using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>
/// What a tag resolved to and when; <see cref="Stale"/> when the registry could not be asked and the last known answer
/// was used, with the registry's <see cref="Error"/>.
/// </summary>
public sealed record ResolvedDigest(ImageReference Reference, Descriptor Descriptor, DateTimeOffset ResolvedAt, bool Stale, string? Error = null);
