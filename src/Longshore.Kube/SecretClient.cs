using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>List and watch Secrets of one namespace (core/v1); with a <c>metadata.name</c> field selector, one Secret whose RBAC names it.</summary>
public sealed class SecretClient(IKubernetes client, string @namespace) : ResourceClient<V1Secret>
{
    public override async Task<ResourceList<V1Secret>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNamespacedSecretAsync(@namespace, fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, cancellationToken: cancellationToken);
        return new ResourceList<V1Secret> { Items = list.Items, Metadata = list.Metadata };
    }

    public override IAsyncEnumerable<(WatchEventType Type, V1Secret Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.CoreV1.WatchListNamespacedSecretAsync(
            @namespace,
            allowWatchBookmarks: true,
            fieldSelector: options.FieldSelector,
            labelSelector: options.LabelSelector,
            resourceVersion: resourceVersion,
            timeoutSeconds: 300,
            onError: onError,
            cancellationToken: cancellationToken);
}
