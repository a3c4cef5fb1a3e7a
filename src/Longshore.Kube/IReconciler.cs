namespace Longshore.Kube;

/// <summary>Level-triggered, idempotent reconciliation of one object by key. Throwing requeues the key with back-off.</summary>
public interface IReconciler
{
    string Name { get; }

    Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken);
}
