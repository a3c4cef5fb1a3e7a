using Microsoft.Extensions.Logging;

namespace Longshore.LayerStore;

/// <summary>How an <see cref="ImageStore"/> behaves: clock, logging, how long interrupted downloads are kept, how long to wait for another writer.</summary>
public sealed record ImageStoreOptions
{
    /// <summary>
    /// An interrupted download stays in <c>ingest/</c> for the next pull to resume; opening the store removes one that
    /// nothing wrote to for this long (containerd's pull leases expire after 24 h too).
    /// </summary>
    public TimeSpan PartialDownloadRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a metadata read or write waits for another process's transaction before failing as locked.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }
}
