namespace Longshore.Operator;

/// <summary>How long the webhook's CA and serving certificates live, and how long a new CA is trusted before it signs.</summary>
public sealed record CertificateLifetimes
{
    public TimeSpan Ca { get; init; } = TimeSpan.FromDays(730);

    public TimeSpan Serving { get; init; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Time between a new CA entering the caBundle and its first serving certificate: the API server and every replica
    /// see the bundle change within seconds, so an hour leaves a wide margin.
    /// </summary>
    public TimeSpan CaOverlap { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Certificates start this far in the past, so a peer whose clock is slightly behind accepts them.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A certificate is renewed when less than a third of its life, or less than this, remains.</summary>
    public TimeSpan MinimumRemaining { get; init; } = TimeSpan.FromDays(30);
}
