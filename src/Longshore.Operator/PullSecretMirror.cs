using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Copies the pull secrets an ImagePrePull (or an ImagePolicy with ensureOnNodes) names, from the object's own
/// namespace only, into one merged copy per object in the pull-secret namespace, where only agents and the operator may
/// read Secrets (never beside the webhook's key). Only <c>kubernetes.io/dockerconfigjson</c> and
/// <c>kubernetes.io/dockercfg</c> Secrets are used; a missing, wrong-typed or malformed one is reported, not thrown.
/// Copies are labelled, rebuilt from their sources at every reconcile (so they follow changes and deletions), and removed
/// when their object is gone or names no usable secret. Contents are never logged.
/// </summary>
public sealed class PullSecretMirror(IKubernetes client, string copyNamespace)
{
    public const string CopyLabel = "longshore.io/pull-secret-copy";
    public const string OwnerAnnotation = "longshore.io/owner";
    public const string SourcesAnnotation = "longshore.io/sources";

    public string CopyNamespace => copyNamespace;

    /// <summary>
    /// Creates, refreshes or removes the owner's copy from the secrets it names in its namespace; returns the copy (null
    /// when no named secret is usable) and one message per secret that cannot be used.
    /// </summary>
    public async Task<PullSecretCopy> EnsureAsync(PlannedOwner owner, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var (usable, problems) = await ReadSourcesAsync(client, owner.Namespace, secrets, cancellationToken);

        var copyName = PullSecretCopies.CopyName(owner);
        var merged = PullSecretCopies.Merge(usable);
        if (merged.Registries.Count == 0)
        {
            await DeleteAsync(copyName, cancellationToken);
            return new PullSecretCopy(null, problems);
        }

        var copy = new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = copyName,
                NamespaceProperty = copyNamespace,
                Labels = new Dictionary<string, string> { [CopyLabel] = "true", ["app.kubernetes.io/managed-by"] = "longshore" },
                Annotations = new Dictionary<string, string>
                {
                    [OwnerAnnotation] = OwnerKey(owner),
                    [SourcesAnnotation] = string.Join(",", usable.Select(s => s.Metadata.Name)),
                },
            },
            Type = PullSecretCopies.DockerConfigJsonType,
            Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(merged.ToJson()) },
        };
        try
        {
            var existing = await client.CoreV1.ReadNamespacedSecretAsync(copyName, copyNamespace, cancellationToken: cancellationToken);
            if (existing.Type != copy.Type || !SameData(existing.Data, copy.Data) || !Same(existing.Metadata.Annotations, copy.Metadata.Annotations))
            {
                copy.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await client.CoreV1.ReplaceNamespacedSecretAsync(copy, copyName, copyNamespace, cancellationToken: cancellationToken);
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(copy, copyNamespace, cancellationToken: cancellationToken);
        }

        return new PullSecretCopy((copyNamespace, copyName), problems);
    }

    /// <summary>
    /// Reads the secrets an object names from its own namespace: the usable ones, and one message per secret that is
    /// missing, of another type or malformed.
    /// </summary>
    public static async Task<(List<V1Secret> Usable, List<string> Problems)> ReadSourcesAsync(IKubernetes client, string @namespace, IList<V1LocalObjectReference>? secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var usable = new List<V1Secret>();
        var problems = new List<string>();
        foreach (var name in (secrets ?? []).Select(s => s.Name).Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal))
        {
            V1Secret? source;
            try
            {
                source = await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                source = null;
            }

            if (PullSecretCopies.Problem(@namespace, name, source) is { } problem)
            {
                problems.Add(problem);
            }
            else
            {
                usable.Add(source!);
            }
        }

        return (usable, problems);
    }

    /// <summary>Deletes copies whose owner is not among <paramref name="owners"/> (keys from <see cref="OwnerKey"/>).</summary>
    public async Task CollectAsync(ISet<string> owners, CancellationToken cancellationToken)
    {
        var copies = await client.CoreV1.ListNamespacedSecretAsync(copyNamespace, labelSelector: $"{CopyLabel}=true", cancellationToken: cancellationToken);
        foreach (var copy in copies.Items)
        {
            var owner = copy.Metadata.Annotations?.TryGetValue(OwnerAnnotation, out var o) == true ? o : null;
            if (owner is null || !owners.Contains(owner))
            {
                await DeleteAsync(copy.Metadata.Name, cancellationToken);
            }
        }
    }

    public static string OwnerKey(PlannedOwner owner) => $"{owner.Kind}/{owner.Namespace}/{owner.Name}";

    /// <summary>
    /// The owners (<see cref="OwnerKey"/>) whose copies live objects still need: ImagePrePulls, and ImagePolicies that
    /// keep their digests on nodes, naming at least one secret. <paramref name="except"/> (kind, key) is an object being deleted.
    /// </summary>
    public static HashSet<string> Referenced(IEnumerable<Api.V1Alpha1ImagePrePull> prePulls, IEnumerable<Api.V1Alpha1ImagePolicy> policies, (string Kind, ResourceKey Key)? except)
    {
        bool Live(string kind, IKubernetesObject<V1ObjectMeta> item) =>
            !Finalizers.IsDeleting(item) && (except is null || except.Value.Kind != kind || ResourceKey.Of(item) != except.Value.Key);
        return prePulls.Where(p => Live(Api.V1Alpha1ImagePrePull.KindName, p) && p.Spec.ImagePullSecrets is { Count: > 0 })
            .Select(p => OwnerKey(new PlannedOwner(Api.V1Alpha1ImagePrePull.KindName, p.Metadata.NamespaceProperty, p.Metadata.Name)))
            .Concat(policies.Where(p => p.Spec.EnsureOnNodes && Live(Api.V1Alpha1ImagePolicy.KindName, p) && p.Spec.ImagePullSecrets is { Count: > 0 })
                .Select(p => OwnerKey(new PlannedOwner(Api.V1Alpha1ImagePolicy.KindName, p.Metadata.NamespaceProperty, p.Metadata.Name))))
            .ToHashSet(StringComparer.Ordinal);
    }

    private async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedSecretAsync(name, copyNamespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private static bool Same(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b != null && b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool SameData(IDictionary<string, byte[]>? a, IDictionary<string, byte[]>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, byte[]>()).All(kv => b != null && b.TryGetValue(kv.Key, out var v) && v.AsSpan().SequenceEqual(kv.Value));
}
