using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>List and watch Namespaces (core/v1); add it with <c>InformerRegistry.AddClient</c> where a controller needs them.</summary>
public sealed class NamespaceClient(IKubernetes client) : ResourceClient<V1Namespace>
{
    public override async Task<ResourceList<V1Namespace>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNamespaceAsync(fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, cancellationToken: cancellationToken);
        return new ResourceList<V1Namespace> { Items = list.Items, Metadata = list.Metadata };
    }

    public override IAsyncEnumerable<(WatchEventType Type, V1Namespace Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.CoreV1.WatchListNamespaceAsync(
            allowWatchBookmarks: true,
            fieldSelector: options.FieldSelector,
            labelSelector: options.LabelSelector,
            resourceVersion: resourceVersion,
            timeoutSeconds: 300,
            onError: onError,
            cancellationToken: cancellationToken);
}
