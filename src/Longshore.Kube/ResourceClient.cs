using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>List and watch for one kind, whatever API it lives in; what an <see cref="Informer{T}"/> needs.</summary>
public abstract class ResourceClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public abstract Task<ResourceList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken);

    /// <summary>Events after <paramref name="resourceVersion"/>; ends when the server closes the watch. Errors go to <paramref name="onError"/>.</summary>
    public abstract IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken);
}
