using Longshore.Api;

namespace Longshore.Agent;

/// <summary>What a NodeImage spec asks of the node, one entry per reference.</summary>
public static class WantedImages
{
    /// <summary>The backoffLimit of an entry that names none, as in the ImagePrePull default.</summary>
    public const int DefaultBackoffLimit = 3;

    /// <summary>An attempt's limit when the entry names no pullTimeout.</summary>
    public static readonly TimeSpan DefaultPullTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Several owners may want one reference (with or without credentials, before or after resolution): one entry per
    /// reference, pulled with the entry that carries credentials if any does, pinned if any owner pins.
    /// </summary>
    public static IReadOnlyList<WantedImage> Merge(IEnumerable<WantedImage>? images) =>
        (images ?? [])
            .GroupBy(i => i.Reference, StringComparer.Ordinal)
            .Select(g => Merge(g.ToList()))
            .ToList();

    /// <summary>The pull the scheduler runs for a wanted image.</summary>
    public static PullRequest ToRequest(WantedImage image)
    {
        var timeout = image.PullTimeout is { } text && GoDuration.TryParse(text, out var parsed, out _) ? parsed : DefaultPullTimeout;
        return new PullRequest(image.Reference, image.Digest ?? image.RepoDigest, image.PullSecretRef, timeout, image.BackoffLimit ?? DefaultBackoffLimit)
        {
            TimeoutText = image.PullTimeout ?? "10m",
        };
    }

    private static WantedImage Merge(List<WantedImage> entries)
    {
        var chosen = entries.FirstOrDefault(e => e.PullSecretRef is not null) ?? entries[0];
        return new WantedImage
        {
            Reference = chosen.Reference,
            Digest = chosen.Digest ?? entries.Select(e => e.Digest).FirstOrDefault(d => d is not null),
            RepoDigest = chosen.RepoDigest ?? entries.Select(e => e.RepoDigest).FirstOrDefault(d => d is not null),
            Pin = entries.Any(e => e.Pin),
            PullSecretRef = chosen.PullSecretRef,
            Owners = entries.SelectMany(e => e.Owners).ToList(),
            Platform = chosen.Platform,
            PullTimeout = chosen.PullTimeout,
            BackoffLimit = entries.Max(e => e.BackoffLimit ?? DefaultBackoffLimit),
        };
    }
}
