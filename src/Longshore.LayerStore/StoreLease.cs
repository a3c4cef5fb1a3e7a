namespace Longshore.LayerStore;

/// <summary>
/// Blobs a pull relies on before its image is committed; garbage collection treats them as roots (containerd's leases).
/// Committing an image with the lease ends it in the same transaction; disposing an uncommitted lease releases it.
/// A lease of a process that died is released when the store is next opened.
/// </summary>
public sealed class StoreLease : IDisposable
{
    private readonly Action<string> _release;
    private bool _ended;

    internal StoreLease(string id, Action<string> release)
    {
        Id = id;
        _release = release;
    }

    public string Id { get; }

    internal void MarkCommitted() => _ended = true;

    public void Dispose()
    {
        if (!_ended)
        {
            _ended = true;
            _release(Id);
        }
    }
}
