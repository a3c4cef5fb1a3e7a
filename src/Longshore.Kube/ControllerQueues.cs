using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Longshore.Kube;

/// <summary>
/// The controllers' work queues by the kind they reconcile, for wake-ups that do not come from a watch (a schedule):
/// a key added here is reconciled as if an event had named it, on the leader, de-duplicated with the other adds.
/// </summary>
public sealed class ControllerQueues
{
    private readonly ConcurrentDictionary<Type, ImmutableList<WorkQueue<ResourceKey>>> _queues = new();

    /// <summary>Registers the queue of a controller of <typeparamref name="TEntity"/> (the runtime does, when it builds the controller).</summary>
    public void Attach<TEntity>(WorkQueue<ResourceKey> queue) =>
        _queues.AddOrUpdate(typeof(TEntity), _ => [queue], (_, queues) => queues.Add(queue));

    /// <summary>Queues <paramref name="key"/> for every controller of <typeparamref name="TEntity"/>; false when there is none.</summary>
    public bool Add<TEntity>(ResourceKey key)
    {
        if (!_queues.TryGetValue(typeof(TEntity), out var queues) || queues.IsEmpty)
        {
            return false;
        }

        foreach (var queue in queues)
        {
            queue.Add(key);
        }

        return true;
    }
}
