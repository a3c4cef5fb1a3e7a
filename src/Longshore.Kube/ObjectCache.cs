using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>The informer's view of a kind: objects by key, plus named indexes (e.g. NodeImages by the ImagePrePull that wants them).</summary>
public sealed class ObjectCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ResourceKey, T> _items = new();
    private readonly ConcurrentDictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public IReadOnlyCollection<T> Items => _items.Values.ToList();

    public T? Get(ResourceKey key) => _items.TryGetValue(key, out var item) ? item : default;

    public void AddIndex(string name, Func<T, IEnumerable<string>> indexer) => _indexers[name] = indexer;

    /// <summary>Objects whose index <paramref name="name"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string name, string value)
    {
        var indexer = _indexers.TryGetValue(name, out var found) ? found : throw new ArgumentException($"no index '{name}'", nameof(name));
        return _items.Values.Where(i => indexer(i).Contains(value, StringComparer.Ordinal)).ToList();
    }

    /// <summary>Puts an object the caller just wrote, so its next read does not wait for the watch event.</summary>
    public void Set(T item)
    {
        var key = ResourceKey.Of(item);
        // Never replace a newer version the watch already delivered.
        if (_items.TryGetValue(key, out var current) && long.TryParse(current.Metadata.ResourceVersion, out var have) && long.TryParse(item.Metadata.ResourceVersion, out var incoming) && incoming < have)
        {
            return;
        }

        _items[key] = item;
    }

    internal bool Remove(ResourceKey key, out T? removed) => _items.TryRemove(key, out removed);

    internal IReadOnlyCollection<ResourceKey> Keys => _items.Keys.ToList();
}
