using Microsoft.Extensions.Logging;

namespace Longshore.LayerStore;

/// <summary>How an <see cref="ImageStore"/> behaves: clock, logging and how many layers one pull downloads at once.</summary>
public sealed record ImageStoreOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }

    /// <summary>Layers one pull downloads side by side (Docker's default is 3).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;
}
