using Microsoft.Extensions.Logging;

namespace Longshore.LayerStore;

/// <summary>How an <see cref="ImageStore"/> behaves: clock and logging.</summary>
public sealed record ImageStoreOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger? Logger { get; init; }
}
