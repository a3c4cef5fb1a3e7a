using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Longshore.Kube;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Operator;

/// <summary>
/// Resolves image references to the manifest digest of each platform, with the credentials of the pull secrets an
/// object names. Answers are cached for the resolve interval; secrets are read per call and never logged.
/// </summary>
public sealed class ImageResolver(IKubernetes client, OperatorOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ResolvedImage Image, DateTimeOffset At)> _cache = new(StringComparer.Ordinal);

    /// <summary>How long an answer stands; ImagePrePulls look again this often, so a moved tag reaches the nodes.</summary>
    public TimeSpan Interval => options.ResolveInterval;

    public async Task<ResolvedImage> ResolveAsync(ImageReference reference, Platform platform, string @namespace, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        var secretNames = string.Join(",", (secrets ?? []).Select(s => s.Name).Order(StringComparer.Ordinal));
        var key = $"{reference}|{platform}|{@namespace}|{secretNames}";
        if (_cache.TryGetValue(key, out var cached) && time.GetUtcNow() - cached.At < options.ResolveInterval)
        {
            return cached.Image;
        }

        var credentials = await CredentialsAsync(@namespace, secrets, cancellationToken);
        // Answers are cached above, so a client per resolution is rare; it never outlives the credentials it carries.
        using var registry = new RegistryClient(new RegistryClientOptions { InsecureRegistries = options.InsecureRegistries, Credentials = credentials.Find, MaxRetries = 2 });
        var resolved = await registry.ResolvePlatformAsync(reference, platform, cancellationToken);
        var now = time.GetUtcNow();
        _cache[key] = (resolved, now);
        // Answers nobody asked for again (their objects are gone or changed) leave with the next resolution.
        foreach (var stale in _cache.Where(e => now - e.Value.At > 2 * options.ResolveInterval).Select(e => e.Key).ToList())
        {
            _cache.TryRemove(stale, out _);
        }

        return resolved;
    }

    /// <summary>Merges the docker config JSON of every named secret (kubernetes.io/dockerconfigjson or .dockercfg).</summary>
    private async Task<DockerConfig> CredentialsAsync(string @namespace, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        var merged = DockerConfig.Empty;
        foreach (var reference in secrets ?? [])
        {
            V1Secret secret;
            try
            {
                secret = await client.CoreV1.ReadNamespacedSecretAsync(reference.Name, @namespace, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                throw new RegistryException($"pull secret {@namespace}/{reference.Name} does not exist");
            }

            var parsed = PullSecrets.Parse(secret)
                ?? throw new RegistryException($"pull secret {@namespace}/{reference.Name} has neither .dockerconfigjson nor .dockercfg");
            foreach (var registry in parsed.Registries)
            {
                merged = merged.With(registry, parsed.Find(registry)!);
            }
        }

        return merged;
    }
}
