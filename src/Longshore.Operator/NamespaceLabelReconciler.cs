using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Keeps <see cref="NamespacePolicyLabels"/> on each namespace in step with its ImagePolicies (a merge patch of the
/// two labels only, when they differ), so the Pod webhooks are called exactly where a Pin or Enforce policy lives.
/// </summary>
public sealed class NamespaceLabelReconciler(IKubernetes client, InformerRegistry informers, ILogger<NamespaceLabelReconciler> logger) : IReconciler<V1Namespace>
{
    private readonly Informer<V1Alpha1ImagePolicy> _policies = informers.For<V1Alpha1ImagePolicy>();

    /// <summary>A namespace's key for a change to one of its policies.</summary>
    public static IEnumerable<ResourceKey> NamespaceOf(V1Alpha1ImagePolicy policy) => [new ResourceKey(string.Empty, policy.Metadata.NamespaceProperty ?? string.Empty)];

    /// <summary>Namespaces are looked at again only when they appear or one of the two labels changes.</summary>
    public static bool LabelsChanged(ObjectEvent<V1Namespace> change) =>
        change.Type != WatchEventType.Modified
        || change.Previous is null
        || new[] { NamespacePolicyLabels.Pin, NamespacePolicyLabels.Enforce }.Any(k => Label(change.Previous, k) != Label(change.Object, k));

    public async Task<ReconcileResult> ReconcileAsync(V1Namespace entity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var name = entity.Metadata.Name;
        var desired = NamespacePolicyLabels.Desired(_policies.Cache.Items.Where(p => p.Metadata.NamespaceProperty == name));
        var changes = NamespacePolicyLabels.Changes(desired, entity.Metadata.Labels);
        if (changes.Count == 0)
        {
            return ReconcileResult.Done;
        }

        var patch = new { metadata = new { labels = changes } };
        await client.CoreV1.PatchNamespaceAsync(new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch), name, cancellationToken: cancellationToken);
        logger.LogInformation("namespace {Namespace} labels {Labels} set for its ImagePolicies", name, string.Join(", ", changes.Select(c => $"{c.Key}={c.Value ?? "(removed)"}")));
        return ReconcileResult.Done;
    }

    private static string? Label(V1Namespace ns, string key) => ns.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}
