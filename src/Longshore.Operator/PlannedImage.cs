using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>A NodeImage entry as a value: two entries are the same when every field and every owner (in order) is.</summary>
public sealed record PlannedImage(
    string Reference,
    string? Digest,
    string? RepoDigest,
    bool Pin,
    (string Namespace, string Name)? PullSecret,
    ValueList<PlannedOwner> Owners,
    string? Platform,
    string? PullTimeout,
    int? BackoffLimit)
{
    public static PlannedImage From(WantedImage image) => new(
        image.Reference,
        image.Digest,
        image.RepoDigest,
        image.Pin,
        image.PullSecretRef is { } secret ? (secret.Namespace, secret.Name) : null,
        image.Owners.Select(PlannedOwner.From).ToValueList(),
        image.Platform,
        image.PullTimeout,
        image.BackoffLimit);

    public static ValueList<PlannedImage> From(IEnumerable<WantedImage>? images) => (images ?? []).Select(From).ToValueList();

    public WantedImage ToWanted() => new()
    {
        Reference = Reference,
        Digest = Digest,
        RepoDigest = RepoDigest,
        Pin = Pin,
        PullSecretRef = PullSecret is { } secret ? new SecretReference { Namespace = secret.Namespace, Name = secret.Name } : null,
        Owners = Owners.Select(o => o.ToOwner()).ToList(),
        Platform = Platform,
        PullTimeout = PullTimeout,
        BackoffLimit = BackoffLimit,
    };
}
