using Longshore.Api;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Operator;

/// <summary>
/// Asks the registry what an ImagePolicy image points at, through the operator's shared <see cref="ResolutionCache"/>
/// (single flight, last known good while a registry is down): a semver range is matched against the repository's tags
/// list (paginated, at most <see cref="MaxTags"/>), then the tag is resolved HEAD-first, so an unchanged tag costs one
/// HEAD and no manifest GET; an index's platform manifests are read once per digest (content-addressed, kept).
/// </summary>
public sealed class PolicyImageResolver(ImageResolver resolver)
{
    /// <summary>Tags read from one repository for a semver range; a longer list is cut (and said so).</summary>
    public const int MaxTags = 10_000;

    /// <summary>Platform manifests listed per lock.</summary>
    public const int MaxPlatforms = 32;

    public long CacheHits => resolver.Cache.Hits;

    public long CacheMisses => resolver.Cache.Misses;

    public Task<PullCredentials> CredentialsAsync(string @namespace, IList<k8s.Models.V1LocalObjectReference>? secrets, CancellationToken cancellationToken) =>
        resolver.CredentialsAsync(@namespace, secrets, cancellationToken);

    public async Task<ImageResolution> ResolveAsync(PolicyImage image, DockerConfig credentials, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(credentials);
        var repository = ImageReference.Parse(image.Repository, defaultTag: false).RepositoryOnly();
        var credential = credentials.Find(repository.Domain);
        var tag = image.Tag;
        try
        {
            if (image.Semver is { } range)
            {
                var tags = await resolver.Cache.ListTagsAsync(repository, credential, MaxTags, maxAge, cancellationToken);
                tag = SemverTags.Highest(range, tags.Tags);
                if (tag is null)
                {
                    var cut = tags.Truncated ? $" (the list was cut at {MaxTags})" : string.Empty;
                    return ImageResolution.Failed(null, $"no tag of {repository.Repository} is in range '{range}' among {tags.Tags.Count} tag(s){cut}", outage: false);
                }
            }

            var resolved = await resolver.Cache.ResolveAsync(repository.WithTag(tag!), credential, maxAge, cancellationToken);
            return ImageResolution.Resolved(tag!, resolved.Descriptor.Digest.ToString(), resolved.Descriptor.MediaType, resolved.Stale, resolved.Error);
        }
        catch (RegistryException e)
        {
            return ImageResolution.Failed(tag, e.Message, ResolutionCache.IsOutage(e));
        }
    }

    /// <summary>The platform manifests of an index (null for a single image manifest). Read once per digest.</summary>
    public async Task<IReadOnlyList<PlatformDigest>?> PlatformsAsync(string repository, string digest, DockerConfig credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var reference = ImageReference.Parse(repository, defaultTag: false).RepositoryOnly();
        var document = await resolver.Cache.GetManifestAsync(reference, Digest.Parse(digest), credentials.Find(reference.Domain), cancellationToken);
        if (!document.IsIndex)
        {
            return null;
        }

        // Attestation manifests carry the platform unknown/unknown: they are not images a node runs.
        return document.Index!.Manifests
            .Where(m => m.Platform is not null && m.Platform.Os != "unknown" && MediaTypes.IsManifest(m.MediaType))
            .Select(m => new PlatformDigest { Platform = m.Platform!.ToPlatform().ToString(), Digest = m.Digest.ToString() })
            .Take(MaxPlatforms)
            .ToList();
    }
}
