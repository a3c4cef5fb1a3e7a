using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>
/// Describes one controller of <typeparamref name="TEntity"/>: what else it watches and how those changes map to the
/// objects it reconciles, its finalizer, workers and deadline. Returned by <c>services.AddController</c>.
/// </summary>
public sealed class ControllerBuilder<TEntity>
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    private readonly ControllerDefinition<TEntity> _definition;

    internal ControllerBuilder(ControllerDefinition<TEntity> definition) => _definition = definition;

    /// <summary>The name in logs and metrics (default: the entity type's name in lower case).</summary>
    public ControllerBuilder<TEntity> Named(string name)
    {
        _definition.ControllerName = name;
        return this;
    }

    /// <summary>Which changes of the entity itself re-queue it (default: <see cref="Predicates.GenerationChanged{T}"/>).</summary>
    public ControllerBuilder<TEntity> WithPredicate(Func<ObjectEvent<TEntity>, bool> predicate)
    {
        _definition.Predicate = predicate;
        return this;
    }

    /// <summary>The runtime adds this finalizer to live objects, and removes it after the reconciler's FinalizeAsync succeeded.</summary>
    public ControllerBuilder<TEntity> WithFinalizer(string finalizer)
    {
        _definition.Finalizer = finalizer;
        return this;
    }

    public ControllerBuilder<TEntity> WithWorkers(int workers)
    {
        _definition.Workers = workers;
        return this;
    }

    /// <summary>How long one reconcile may take before it is cancelled and its worker moves on.</summary>
    public ControllerBuilder<TEntity> WithReconcileTimeout(TimeSpan timeout)
    {
        _definition.ReconcileTimeout = timeout;
        return this;
    }

    /// <summary>
    /// Objects this controller creates or writes: a change to one re-queues its owners, and the owned kind's cache
    /// gets an index (<see cref="OwnerIndex.Of{TOwner}"/>) of owner keys, to find what an owner has. Owners come from
    /// <paramref name="owners"/>, or by default from metadata.ownerReferences of the entity's kind.
    /// </summary>
    public ControllerBuilder<TEntity> Owns<TOwned>(Func<TOwned, IEnumerable<ResourceKey>>? owners = null, Func<ObjectEvent<TOwned>, bool>? predicate = null)
        where TOwned : IKubernetesObject<V1ObjectMeta>
    {
        var ownersOf = owners ?? OwnerReferencesOf<TOwned>;
        _definition.AddWatch((informers, _, enqueue) =>
        {
            var informer = informers.For<TOwned>();
            informer.Cache.AddIndex(OwnerIndex.Of<TEntity>(), item => ownersOf(item).Select(k => k.ToString()));
            informer.OnEvent(change =>
            {
                if (predicate is not null && !predicate(change))
                {
                    return;
                }

                // The owners before the change too: an owner dropped from an object must look again.
                foreach (var key in ownersOf(change.Object).Concat(change.Previous is null ? [] : ownersOf(change.Previous)).Distinct())
                {
                    enqueue(key);
                }
            });
        });
        return this;
    }

    /// <summary>Another kind whose changes (those <paramref name="predicate"/> lets through) re-queue the keys <paramref name="map"/> yields.</summary>
    public ControllerBuilder<TEntity> Watches<TWatched>(Func<TWatched, IEnumerable<ResourceKey>> map, Func<ObjectEvent<TWatched>, bool>? predicate = null)
        where TWatched : IKubernetesObject<V1ObjectMeta> =>
        Watches<TWatched>((item, _) => map(item), predicate);

    /// <summary>As <see cref="Watches{TWatched}(Func{TWatched, IEnumerable{ResourceKey}}, Func{ObjectEvent{TWatched}, bool}?)"/>, the map also given the entity's cache (e.g. every object of the kind).</summary>
    public ControllerBuilder<TEntity> Watches<TWatched>(Func<TWatched, ObjectCache<TEntity>, IEnumerable<ResourceKey>> map, Func<ObjectEvent<TWatched>, bool>? predicate = null)
        where TWatched : IKubernetesObject<V1ObjectMeta>
    {
        _definition.AddWatch((informers, entities, enqueue) => informers.For<TWatched>().OnEvent(change =>
        {
            if (predicate is null || predicate(change))
            {
                foreach (var key in map(change.Object, entities))
                {
                    enqueue(key);
                }
            }
        }));
        return this;
    }

    private static IEnumerable<ResourceKey> OwnerReferencesOf<TOwned>(TOwned item)
        where TOwned : IKubernetesObject<V1ObjectMeta>
    {
        var kind = EntityKind;
        return (item.Metadata.OwnerReferences ?? [])
            .Where(r => r.Kind == kind)
            .Select(r => new ResourceKey(item.Metadata.NamespaceProperty ?? string.Empty, r.Name));
    }

    private static string EntityKind =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<KubernetesEntityAttribute>(typeof(TEntity))?.Kind ?? typeof(TEntity).Name;
}
