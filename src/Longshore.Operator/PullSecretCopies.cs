using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Longshore.Api;
using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// The pure rules of pull-secret copies: which Secrets may serve as pull secrets, how an object's several secrets merge
/// into one docker config (each registry its own credential, the first secret naming a registry wins, as kubelet tries
/// them in order), and the copy's collision-free name.
/// </summary>
public static class PullSecretCopies
{
    public const string DockerConfigJsonType = "kubernetes.io/dockerconfigjson";
    public const string DockerCfgType = "kubernetes.io/dockercfg";

    /// <summary>The longest Secret name Kubernetes accepts (a DNS subdomain).</summary>
    public const int MaxNameLength = 253;

    private const int HashLength = 16;

    /// <summary>
    /// The copy of one object's pull secrets: readable prefix (kind, namespace, name, lower-cased and trimmed) plus a hash
    /// of the exact owner, so "a-b"/"c" and "a"/"b-c", or two long names cut to the same prefix, never share a copy.
    /// </summary>
    public static string CopyName(PlannedOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{owner.Kind}/{owner.Namespace}/{owner.Name}")))[..HashLength];
        var readable = new string($"pull-{owner.Kind}-{owner.Namespace}-{owner.Name}".ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        var room = MaxNameLength - HashLength - 1;
        return $"{(readable.Length > room ? readable[..room] : readable).TrimEnd('-')}-{hash}";
    }

    /// <summary>Why a Secret cannot serve as a pull secret, or null when it can.</summary>
    public static string? Problem(string @namespace, string name, V1Secret? secret)
    {
        var expected = $"expected a Secret of type {DockerConfigJsonType} or {DockerCfgType} in namespace {@namespace}";
        if (secret is null)
        {
            return $"pull secret {@namespace}/{name} does not exist: {expected}";
        }

        if (secret.Type is not (DockerConfigJsonType or DockerCfgType))
        {
            return $"pull secret {@namespace}/{name} has type {secret.Type ?? "Opaque"}: {expected}";
        }

        try
        {
            return PullSecrets.Parse(secret) is null
                ? $"pull secret {@namespace}/{name} has neither .dockerconfigjson nor .dockercfg"
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or OciFormatException)
        {
            // The content is never echoed: only that it is malformed.
            return $"pull secret {@namespace}/{name} is not a valid docker config";
        }
    }

    /// <summary>The usable secrets' credentials merged, in the order the object names them; empty when none has any.</summary>
    public static DockerConfig Merge(IEnumerable<V1Secret> secrets)
    {
        var merged = DockerConfig.Empty;
        foreach (var config in secrets.Select(PullSecrets.Parse).OfType<DockerConfig>())
        {
            foreach (var registry in config.Registries.Where(r => merged.Find(r) is null))
            {
                merged = merged.With(registry, config.Find(registry)!);
            }
        }

        return merged;
    }
}
