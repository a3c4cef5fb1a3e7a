namespace Longshore.Runtime;

/// <summary>How full the runtime's image filesystem is.</summary>
public sealed record ImageFilesystemUsage(long UsedBytes, long? CapacityBytes);
