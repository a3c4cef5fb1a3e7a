using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>Adds and removes finalizers with a resourceVersion precondition (a stale view fails with 409 and is retried by the queue).</summary>
public static class Finalizers
{
    public static async Task<T> AddAsync<T>(CustomResourceClient<T> client, T item, string finalizer, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var current = item.Metadata.Finalizers ?? [];
        if (current.Contains(finalizer))
        {
            return item;
        }

        return await client.PatchAsync(item.Metadata.NamespaceProperty, item.Metadata.Name, new { metadata = new { resourceVersion = item.Metadata.ResourceVersion, finalizers = current.Append(finalizer).ToList() } }, cancellationToken);
    }

    public static async Task<T> RemoveAsync<T>(CustomResourceClient<T> client, T item, string finalizer, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var current = item.Metadata.Finalizers ?? [];
        if (!current.Contains(finalizer))
        {
            return item;
        }

        return await client.PatchAsync(item.Metadata.NamespaceProperty, item.Metadata.Name, new { metadata = new { resourceVersion = item.Metadata.ResourceVersion, finalizers = current.Where(f => f != finalizer).ToList() } }, cancellationToken);
    }

    public static bool Has(IKubernetesObject<V1ObjectMeta> item, string finalizer) => item.Metadata.Finalizers?.Contains(finalizer) == true;

    public static bool IsDeleting(IKubernetesObject<V1ObjectMeta> item) => item.Metadata.DeletionTimestamp is not null;
}
