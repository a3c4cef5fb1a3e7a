using System.Collections.Concurrent;
using System.Reflection;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Longshore.Kube;

/// <summary>
/// One shared informer per kind per process, however many controllers watch it. Custom resources (by their
/// [KubernetesEntity]) and Nodes have clients built in; other kinds are added with <see cref="AddClient{T}"/>.
/// Informers asked for after <see cref="RunAsync"/> started begin at once.
/// </summary>
public sealed class InformerRegistry(IKubernetes client, ILoggerFactory loggers, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Type, object> _informers = [];
    private readonly Dictionary<Type, Func<CancellationToken, Task>> _runners = [];
    private readonly List<Task> _synced = [];
    private readonly List<Task> _running = [];
    private readonly ConcurrentDictionary<Type, Func<IKubernetes, object>> _clients = new();
    private CancellationToken? _token;

    /// <summary>Kinds with an informer.</summary>
    public IReadOnlyCollection<Type> Kinds
    {
        get
        {
            lock (_gate)
            {
                return _informers.Keys.ToList();
            }
        }
    }

    /// <summary>How a kind without a built-in client is listed and watched (e.g. Secrets of one namespace).</summary>
    public void AddClient<T>(Func<IKubernetes, ResourceClient<T>> factory)
        where T : IKubernetesObject<V1ObjectMeta> => _clients[typeof(T)] = factory;

    /// <summary>The process's informer for <typeparamref name="T"/>, created on first use.</summary>
    public Informer<T> For<T>()
        where T : IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            if (_informers.TryGetValue(typeof(T), out var existing))
            {
                return (Informer<T>)existing;
            }

            var informer = new Informer<T>(ClientFor<T>(), logger: loggers.CreateLogger($"informer.{typeof(T).Name.ToLowerInvariant()}"), time: time);
            _informers[typeof(T)] = informer;
            _runners[typeof(T)] = informer.RunAsync;
            _synced.Add(informer.Synced);
            if (_token is { } token)
            {
                _running.Add(informer.RunAsync(token));
            }

            return informer;
        }
    }

    /// <summary>Runs every informer until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _token = cancellationToken;
            _running.AddRange(_runners.Values.Select(run => run(cancellationToken)));
        }

        var done = new TaskCompletionSource();
        await using (cancellationToken.Register(() => done.TrySetResult()))
        {
            await done.Task;
        }

        List<Task> running;
        lock (_gate)
        {
            running = _running.ToList();
        }

        await Task.WhenAll(running);
    }

    /// <summary>Completes when every informer has listed once.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.WhenAll(_synced.ToList()).WaitAsync(cancellationToken);
        }
    }

    private ResourceClient<T> ClientFor<T>()
        where T : IKubernetesObject<V1ObjectMeta>
    {
        if (_clients.TryGetValue(typeof(T), out var factory))
        {
            return (ResourceClient<T>)factory(client);
        }

        if (typeof(T) == typeof(V1Node))
        {
            return (ResourceClient<T>)(object)new NodeClient(client);
        }

        if (typeof(T) == typeof(V1Pod))
        {
            return (ResourceClient<T>)(object)new PodClient(client);
        }

        return typeof(T).GetCustomAttribute<KubernetesEntityAttribute>() is { Group.Length: > 0 }
            ? new CustomResourceClient<T>(client)
            : throw new InvalidOperationException($"no client for {typeof(T).Name}: add one with {nameof(InformerRegistry)}.{nameof(AddClient)}");
    }
}
