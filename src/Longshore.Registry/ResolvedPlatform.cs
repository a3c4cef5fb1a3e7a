namespace Longshore.Registry;

/// <summary>A platform resolution and when it was made; <see cref="Stale"/> when the registry could not be asked and the last known answer was used.</summary>
public sealed record ResolvedPlatform(ResolvedImage Image, DateTimeOffset ResolvedAt, bool Stale, string? Error = null);
