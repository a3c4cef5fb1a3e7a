using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>
/// Writes status through the status subresource, only when it changed, with optimistic concurrency: a 409 re-reads
/// the object and tries again. "Changed" is the comparer's answer (compare records, e.g. through
/// <see cref="ValueComparer.By{T, TValue}"/>); without one, the serialised forms are compared.
/// </summary>
public static class StatusWriter
{
    /// <summary>Returns true when a write was made.</summary>
    public static async Task<bool> WriteAsync<T, TStatus>(CustomResourceClient<T> client, T current, TStatus desired, CancellationToken cancellationToken, IEqualityComparer<TStatus?>? comparer = null)
        where T : IKubernetesObject<V1ObjectMeta>, IStatus<TStatus?>
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (comparer is not null ? comparer.Equals(current.Status, desired) : Json(current.Status) == Json(desired))
            {
                return false;
            }

            try
            {
                await client.PatchStatusAsync(
                    current.Metadata.NamespaceProperty,
                    current.Metadata.Name,
                    new { metadata = new { resourceVersion = current.Metadata.ResourceVersion }, status = desired },
                    cancellationToken);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                current = await client.GetAsync(current.Metadata.NamespaceProperty, current.Metadata.Name, cancellationToken)
                    ?? throw new InvalidOperationException($"{current.Metadata.Name} disappeared while its status was written");
            }
        }

        throw new InvalidOperationException($"status of {current.Metadata.Name} kept conflicting");
    }

    private static string Json(object? value) => value is null ? "null" : KubernetesJson.Serialize(value);
}
