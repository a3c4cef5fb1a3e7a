namespace Longshore.LayerStore;

/// <summary>
/// <c>df</c>: per image sizes; <see cref="TotalBytes"/> counts every blob once; <see cref="ReclaimableBytes"/> is what
/// <c>prune --all</c> would free (images not in use and not pinned).
/// </summary>
public sealed record DiskUsage(IReadOnlyList<ImageDiskUsage> Images, long TotalBytes, long ReclaimableBytes, int ActiveImages);
