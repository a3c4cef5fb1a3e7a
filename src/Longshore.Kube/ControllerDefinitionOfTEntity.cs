using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Longshore.Kube;

/// <summary>What <see cref="ControllerBuilder{TEntity}"/> collects for one controller of <typeparamref name="TEntity"/>.</summary>
public sealed class ControllerDefinition<TEntity>(Func<IServiceProvider, IReconciler<TEntity>> reconcilerFactory) : ControllerDefinition
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    private readonly List<Action<InformerRegistry, ObjectCache<TEntity>, Action<ResourceKey>>> _watches = [];

    public override string Name => ControllerName ?? typeof(TEntity).Name.ToLowerInvariant();

    internal string? ControllerName { get; set; }

    internal string? Finalizer { get; set; }

    internal Func<ObjectEvent<TEntity>, bool> Predicate { get; set; } = Predicates.GenerationChanged;

    internal int? Workers { get; set; }

    internal TimeSpan? ReconcileTimeout { get; set; }

    internal void AddWatch(Action<InformerRegistry, ObjectCache<TEntity>, Action<ResourceKey>> watch) => _watches.Add(watch);

    internal override RunnableController Build(IServiceProvider services, ControllerRuntimeOptions options)
    {
        var informers = services.GetRequiredService<InformerRegistry>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var primary = informers.For<TEntity>();
        var queue = new WorkQueue<ResourceKey>(time);
        services.GetRequiredService<ControllerQueues>().Attach<TEntity>(queue);
        primary.OnEvent(change =>
        {
            if (Predicate(change))
            {
                queue.Add(ResourceKey.Of(change.Object));
            }
        });
        foreach (var watch in _watches)
        {
            watch(informers, primary.Cache, queue.Add);
        }

        var reconciler = reconcilerFactory(services);
        var client = Finalizer is null ? null : new CustomResourceClient<TEntity>(services.GetRequiredService<IKubernetes>());
        var adapter = new EntityReconciler<TEntity>(Name, primary.Cache, reconciler, client, Finalizer, loggers.CreateLogger($"controller.{Name}"));
        var host = new ReconcilerHost(
            adapter,
            queue,
            Workers ?? options.Workers,
            loggers.CreateLogger($"controller.{Name}"),
            services.GetService<ControllerMetrics>(),
            ReconcileTimeout ?? options.ReconcileTimeout,
            time);
        return new RunnableController(Name, queue, host, () => primary.Cache.Items.Select(i => ResourceKey.Of(i)));
    }
}
