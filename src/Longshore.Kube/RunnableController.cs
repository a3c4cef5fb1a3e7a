namespace Longshore.Kube;

/// <summary>A built controller: its queue is fed by informer events on every replica; its workers run only while leading.</summary>
internal sealed class RunnableController(string name, WorkQueue<ResourceKey> queue, ReconcilerHost host, Func<IEnumerable<ResourceKey>> everything)
{
    public string Name => name;

    public WorkQueue<ResourceKey> Queue => queue;

    /// <summary>Looks at every object once (on taking over), then works the queue until <paramref name="cancellationToken"/> ends.</summary>
    public Task LeadAsync(CancellationToken cancellationToken)
    {
        foreach (var key in everything())
        {
            queue.Add(key);
        }

        return host.RunAsync(cancellationToken);
    }
}
