namespace Longshore.TestBed;

/// <summary>A fault a <see cref="FaultProxy"/> injects into the requests it matches; other requests pass through.</summary>
public sealed record ProxyFault(ProxyFaultKind Kind)
{
    /// <summary>Only requests whose path contains this (e.g. "/manifests/", "/blobs/"); null for all.</summary>
    public string? PathContains { get; init; }

    /// <summary>Only requests with this method (e.g. "GET"); null for all.</summary>
    public string? Method { get; init; }

    /// <summary>Only requests that carry a <c>Range</c> header (a download continuing).</summary>
    public bool RangeOnly { get; init; }

    /// <summary>How many matching requests get the fault; later ones pass through (a storm that ends).</summary>
    public int Times { get; init; } = int.MaxValue;

    public int BytesPerSecond { get; init; } = 10;

    public long BodyBytes { get; init; } = 1L << 30;

    public int RetryAfterSeconds { get; init; } = 1;
}
