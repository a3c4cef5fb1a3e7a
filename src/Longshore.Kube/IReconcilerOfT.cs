using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>
/// What a controller registered with <c>AddController</c> implements: level-triggered, idempotent reconciliation of
/// one object (as the informer's cache holds it; never change it in place). Throwing retries with back-off.
/// </summary>
public interface IReconciler<in TEntity>
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    Task<ReconcileResult> ReconcileAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>
    /// Cleans up after an object that is being deleted and still carries the controller's finalizer; the runtime
    /// removes the finalizer once this returns, and retries with back-off when it throws.
    /// </summary>
    Task FinalizeAsync(TEntity entity, CancellationToken cancellationToken) => Task.CompletedTask;
}
