using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Longshore.Kube;

/// <summary>Registration of controllers: an entity type, a reconciler class and one line.</summary>
public static class ControllerServiceCollectionExtensions
{
    /// <summary>
    /// Registers a controller reconciling <typeparamref name="TEntity"/> with <typeparamref name="TReconciler"/> (a
    /// singleton from the container), and the runtime that runs it. Needs an <see cref="IKubernetes"/> registered.
    /// </summary>
    public static ControllerBuilder<TEntity> AddController<TEntity, TReconciler>(this IServiceCollection services)
        where TEntity : IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<TEntity>
    {
        services.AddControllerRuntime();
        services.TryAddSingleton<TReconciler>();
        var definition = new ControllerDefinition<TEntity>(sp => sp.GetRequiredService<TReconciler>());
        services.AddSingleton<ControllerDefinition>(definition);
        return new ControllerBuilder<TEntity>(definition);
    }

    /// <summary>
    /// Registers <typeparamref name="TService"/> (a singleton from the container) to run only while this replica leads,
    /// beside the controllers, and the runtime that runs it.
    /// </summary>
    public static IServiceCollection AddLeaderService<TService>(this IServiceCollection services)
        where TService : class, ILeaderService
    {
        services.AddControllerRuntime();
        services.TryAddSingleton<TService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILeaderService, TService>(sp => sp.GetRequiredService<TService>()));
        return services;
    }

    /// <summary>The shared pieces (informers, leadership, metrics, the hosted runtime); each added once.</summary>
    public static IServiceCollection AddControllerRuntime(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ControllerRuntimeOptions>();
        services.TryAddSingleton<InformerRegistry>();
        services.TryAddSingleton<Leadership>();
        services.TryAddSingleton<ControllerQueues>();
        services.TryAddSingleton<ControllerMetrics>();
        if (services.All(s => s.ServiceType != typeof(ControllerRuntime)))
        {
            services.AddSingleton<ControllerRuntime>();
            services.AddHostedService(sp => sp.GetRequiredService<ControllerRuntime>());
        }

        return services;
    }
}
