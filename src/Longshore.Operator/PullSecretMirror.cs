using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Longshore.Operator;

/// <summary>
/// Copies the pull secrets ImagePrePulls (and ImagePolicies with ensureOnNodes) reference into the operator's namespace, where agents may read them
/// (labelled as copies; removed when no object references them any more). Contents are never logged.
/// </summary>
public sealed class PullSecretMirror(IKubernetes client, string operatorNamespace)
{
    public const string CopyLabel = "longshore.io/pull-secret-copy";
    public const string SourceAnnotation = "longshore.io/source";

    public string OperatorNamespace => operatorNamespace;

    public static string CopyName(string @namespace, string name)
    {
        var candidate = $"pull-{@namespace}-{name}";
        return candidate.Length <= 253 ? candidate : candidate[..253];
    }

    /// <summary>Creates or refreshes the copy; returns its name.</summary>
    public async Task<string> EnsureAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var source = await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);
        var copyName = CopyName(@namespace, name);
        var copy = new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = copyName,
                NamespaceProperty = operatorNamespace,
                Labels = new Dictionary<string, string> { [CopyLabel] = "true", ["app.kubernetes.io/managed-by"] = "longshore" },
                Annotations = new Dictionary<string, string> { [SourceAnnotation] = $"{@namespace}/{name}" },
            },
            Type = source.Type,
            Data = source.Data,
        };
        try
        {
            var existing = await client.CoreV1.ReadNamespacedSecretAsync(copyName, operatorNamespace, cancellationToken: cancellationToken);
            if (existing.Type == copy.Type && SameData(existing.Data, copy.Data))
            {
                return copyName;
            }

            copy.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await client.CoreV1.ReplaceNamespacedSecretAsync(copy, copyName, operatorNamespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(copy, operatorNamespace, cancellationToken: cancellationToken);
        }

        return copyName;
    }

    /// <summary>Deletes copies whose source no object references; <paramref name="referenced"/> holds "namespace/name" of sources still in use.</summary>
    public async Task CollectAsync(ISet<string> referenced, CancellationToken cancellationToken)
    {
        var copies = await client.CoreV1.ListNamespacedSecretAsync(operatorNamespace, labelSelector: $"{CopyLabel}=true", cancellationToken: cancellationToken);
        foreach (var copy in copies.Items)
        {
            var source = copy.Metadata.Annotations?.TryGetValue(SourceAnnotation, out var s) == true ? s : null;
            if (source is null || !referenced.Contains(source))
            {
                try
                {
                    await client.CoreV1.DeleteNamespacedSecretAsync(copy.Metadata.Name, operatorNamespace, cancellationToken: cancellationToken);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                }
            }
        }
    }

    /// <summary>
    /// "namespace/name" of every pull secret that a live object needs copied: ImagePrePulls, and ImagePolicies that keep
    /// their digests on nodes. <paramref name="except"/> (kind, key) is an object being deleted.
    /// </summary>
    public static HashSet<string> Referenced(IEnumerable<Api.V1Alpha1ImagePrePull> prePulls, IEnumerable<Api.V1Alpha1ImagePolicy> policies, (string Kind, Kube.ResourceKey Key)? except)
    {
        bool Live(string kind, IKubernetesObject<V1ObjectMeta> item) =>
            !Kube.Finalizers.IsDeleting(item) && (except is null || except.Value.Kind != kind || Kube.ResourceKey.Of(item) != except.Value.Key);
        return prePulls.Where(p => Live(Api.V1Alpha1ImagePrePull.KindName, p))
            .SelectMany(p => (p.Spec.ImagePullSecrets ?? []).Select(s => $"{p.Metadata.NamespaceProperty}/{s.Name}"))
            .Concat(policies.Where(p => p.Spec.EnsureOnNodes && Live(Api.V1Alpha1ImagePolicy.KindName, p))
                .SelectMany(p => (p.Spec.ImagePullSecrets ?? []).Select(s => $"{p.Metadata.NamespaceProperty}/{s.Name}")))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static bool SameData(IDictionary<string, byte[]>? a, IDictionary<string, byte[]>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, byte[]>()).All(kv => b != null && b.TryGetValue(kv.Key, out var v) && v.AsSpan().SequenceEqual(kv.Value));
}
