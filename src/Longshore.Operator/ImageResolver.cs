using k8s;
using k8s.Models;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Operator;

/// <summary>
/// Resolves image references to the manifest digest of each platform, with the credentials of the pull secrets an
/// object names. One registry client serves every resolution (credentials go per request); answers go through a
/// <see cref="ResolutionCache"/>: cached for the resolve interval per credential, one request for concurrent askers,
/// and the last known good answer while the registry is down. Secrets are read per call and never logged.
/// </summary>
public sealed class ImageResolver : IDisposable
{
    private readonly IKubernetes _client;
    private readonly OperatorOptions _options;
    private readonly RegistryClient _registry;
    private readonly ResolutionCache _cache;
    private readonly ILogger _logger;

    public ImageResolver(IKubernetes client, OperatorOptions options, TimeProvider time, ILogger<ImageResolver>? logger = null)
    {
        _client = client;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _registry = new RegistryClient(new RegistryClientOptions { InsecureRegistries = options.InsecureRegistries, MaxRetries = 2 });
        _cache = new ResolutionCache(_registry, options.ResolveInterval, time);
    }

    /// <summary>How long an answer stands; ImagePrePulls look again this often, so a moved tag reaches the nodes.</summary>
    public TimeSpan Interval => _options.ResolveInterval;

    public async Task<ResolvedImage> ResolveAsync(ImageReference reference, Platform platform, string @namespace, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        var credentials = (await CredentialsAsync(@namespace, secrets, cancellationToken)).Config;
        var resolved = await _cache.ResolvePlatformAsync(reference, platform, credentials.Find(reference.Domain), cancellationToken);
        if (resolved.Stale)
        {
            _logger.LogWarning("registry {Registry} cannot be asked; using the answer for {Reference} from {ResolvedAt:o}", reference.Domain, reference.ToString(), resolved.ResolvedAt);
        }

        return resolved.Image;
    }

    /// <summary>The shared cache, for resolutions that need more than one platform's manifest (ImagePolicy locks).</summary>
    public ResolutionCache Cache => _cache;

    public void Dispose() => _registry.Dispose();

    /// <summary>
    /// Merges the credentials of every usable named secret (kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg in
    /// the object's namespace); missing, wrong-typed or malformed ones are left out and named in the problems.
    /// </summary>
    public async Task<PullCredentials> CredentialsAsync(string @namespace, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        var (usable, problems) = await PullSecretMirror.ReadSourcesAsync(_client, @namespace, secrets, cancellationToken);
        return new PullCredentials(PullSecretCopies.Merge(usable), problems);
    }
}
