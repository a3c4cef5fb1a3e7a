using System.Net;
using System.Reflection;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>Typed access to a custom resource (from its [KubernetesEntity]): list, watch, get, create, patch, status.</summary>
public sealed class CustomResourceClient<T> : ResourceClient<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private const int WatchTimeoutSeconds = 300;
    private readonly IKubernetes _client;

    public CustomResourceClient(IKubernetes client)
    {
        _client = client;
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>() ?? throw new ArgumentException($"{typeof(T).Name} has no [KubernetesEntity]");
        Group = entity.Group;
        Version = entity.ApiVersion;
        Plural = entity.PluralName;
    }

    public string Group { get; }

    public string Version { get; }

    public string Plural { get; }

    public override async Task<ResourceList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        using var response = await _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<ResourceList<T>>(
            Group, Version, Plural, fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, cancellationToken: cancellationToken);
        return response.Body;
    }

    // The typed WatchAsync is marked for future deprecation, but its replacement for custom objects yields untyped
    // JSON; it remains the one way to get T per event in this client version.
#pragma warning disable CS0618
    public override IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
        _client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<ResourceList<T>>(
                Group,
                Version,
                Plural,
                allowWatchBookmarks: true,
                fieldSelector: options.FieldSelector,
                labelSelector: options.LabelSelector,
                resourceVersion: resourceVersion,
                timeoutSeconds: WatchTimeoutSeconds,
                watch: true,
                cancellationToken: cancellationToken)
            .WatchAsync<T, ResourceList<T>>(onError, cancellationToken);
#pragma warning restore CS0618

    /// <summary>The object, or default when it does not exist.</summary>
    public async Task<T?> GetAsync(string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return string.IsNullOrEmpty(@namespace)
                ? await _client.CustomObjects.GetClusterCustomObjectAsync<T>(Group, Version, Plural, name, cancellationToken)
                : await _client.CustomObjects.GetNamespacedCustomObjectAsync<T>(Group, Version, @namespace, Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return default;
        }
    }

    public Task<T> CreateAsync(T item, CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(item.Metadata.NamespaceProperty)
            ? _client.CustomObjects.CreateClusterCustomObjectAsync<T>(item, Group, Version, Plural, cancellationToken: cancellationToken)
            : _client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(item, Group, Version, item.Metadata.NamespaceProperty, Plural, cancellationToken: cancellationToken);

    /// <summary>Replaces the object; the API server refuses (409) when its resourceVersion is stale.</summary>
    public Task<T> ReplaceAsync(T item, CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(item.Metadata.NamespaceProperty)
            ? _client.CustomObjects.ReplaceClusterCustomObjectAsync<T>(item, Group, Version, Plural, item.Metadata.Name, cancellationToken: cancellationToken)
            : _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<T>(item, Group, Version, item.Metadata.NamespaceProperty, Plural, item.Metadata.Name, cancellationToken: cancellationToken);

    /// <summary>
    /// Replaces the status subresource with <paramref name="item"/>'s status: what it leaves out is cleared, which a merge
    /// patch (nulls are not serialised) cannot do. The API server refuses (409) when its resourceVersion is stale.
    /// </summary>
    public Task<T> ReplaceStatusAsync(T item, CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(item.Metadata.NamespaceProperty)
            ? _client.CustomObjects.ReplaceClusterCustomObjectStatusAsync<T>(item, Group, Version, Plural, item.Metadata.Name, cancellationToken: cancellationToken)
            : _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<T>(item, Group, Version, item.Metadata.NamespaceProperty, Plural, item.Metadata.Name, cancellationToken: cancellationToken);

    /// <summary>A JSON merge patch of the main resource.</summary>
    public Task<T> PatchAsync(string? @namespace, string name, object patch, CancellationToken cancellationToken = default) =>
        PatchAsync(@namespace, name, new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch), cancellationToken);

    /// <summary>A patch of the main resource of any type (a JSON patch's <c>test</c> operations guard against concurrent changes).</summary>
    public Task<T> PatchAsync(string? @namespace, string name, V1Patch body, CancellationToken cancellationToken = default)
    {
        return string.IsNullOrEmpty(@namespace)
            ? _client.CustomObjects.PatchClusterCustomObjectAsync<T>(body, Group, Version, Plural, name, cancellationToken: cancellationToken)
            : _client.CustomObjects.PatchNamespacedCustomObjectAsync<T>(body, Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>A JSON merge patch of the status subresource.</summary>
    public Task<T> PatchStatusAsync(string? @namespace, string name, object patch, CancellationToken cancellationToken = default)
    {
        var body = new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch);
        return string.IsNullOrEmpty(@namespace)
            ? _client.CustomObjects.PatchClusterCustomObjectStatusAsync<T>(body, Group, Version, Plural, name, cancellationToken: cancellationToken)
            : _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<T>(body, Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken);
    }

    public async Task DeleteAsync(string? @namespace, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            if (string.IsNullOrEmpty(@namespace))
            {
                await _client.CustomObjects.DeleteClusterCustomObjectAsync(Group, Version, Plural, name, cancellationToken: cancellationToken);
            }
            else
            {
                await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken);
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }
}
