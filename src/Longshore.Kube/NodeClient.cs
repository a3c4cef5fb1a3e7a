using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>List and watch Nodes (core/v1).</summary>
public sealed class NodeClient(IKubernetes client) : ResourceClient<V1Node>
{
    public override async Task<ResourceList<V1Node>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNodeAsync(fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, cancellationToken: cancellationToken);
        return new ResourceList<V1Node> { Items = list.Items, Metadata = list.Metadata };
    }

    public override IAsyncEnumerable<(WatchEventType Type, V1Node Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.CoreV1.WatchListNodeAsync(
            allowWatchBookmarks: true,
            fieldSelector: options.FieldSelector,
            labelSelector: options.LabelSelector,
            resourceVersion: resourceVersion,
            timeoutSeconds: 300,
            onError: onError,
            cancellationToken: cancellationToken);
}
