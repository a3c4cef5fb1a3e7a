using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>List and watch Pods (core/v1) in every namespace.</summary>
public sealed class PodClient(IKubernetes client) : ResourceClient<V1Pod>
{
    public override async Task<ResourceList<V1Pod>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, cancellationToken: cancellationToken);
        return new ResourceList<V1Pod> { Items = list.Items, Metadata = list.Metadata };
    }

    public override IAsyncEnumerable<(WatchEventType Type, V1Pod Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.CoreV1.WatchListPodForAllNamespacesAsync(
            allowWatchBookmarks: true,
            fieldSelector: options.FieldSelector,
            labelSelector: options.LabelSelector,
            resourceVersion: resourceVersion,
            timeoutSeconds: 300,
            onError: onError,
            cancellationToken: cancellationToken);
}
