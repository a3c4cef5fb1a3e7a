using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Longshore.Kube;

/// <summary>
/// Between the queue and an <see cref="IReconciler{TEntity}"/>: looks the key up in the cache, keeps the controller's
/// finalizer on live objects, and sends objects being deleted to FinalizeAsync instead of ReconcileAsync, removing the
/// finalizer once that succeeded.
/// </summary>
internal sealed class EntityReconciler<TEntity>(
    string name,
    ObjectCache<TEntity> cache,
    IReconciler<TEntity> reconciler,
    CustomResourceClient<TEntity>? client,
    string? finalizer,
    ILogger logger) : IReconciler
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    public string Name => name;

    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var entity = cache.Get(key);
        if (entity is null)
        {
            return ReconcileResult.Done;
        }

        if (Finalizers.IsDeleting(entity))
        {
            if (client is not null && finalizer is not null && Finalizers.Has(entity, finalizer))
            {
                await reconciler.FinalizeAsync(entity, cancellationToken);
                cache.Set(await Finalizers.RemoveAsync(client, entity, finalizer, cancellationToken));
                logger.LogInformation("{Kind} {Key} finalized", entity.Kind, key);
            }

            return ReconcileResult.Done;
        }

        if (client is not null && finalizer is not null && !Finalizers.Has(entity, finalizer))
        {
            entity = await Finalizers.AddAsync(client, entity, finalizer, cancellationToken);
            cache.Set(entity);
        }

        return await reconciler.ReconcileAsync(entity, cancellationToken);
    }
}
