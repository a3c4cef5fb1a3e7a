using k8s;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// Watches only this node's NodeImage (field selector on its name) and reconciles it through the runtime; reconciles
/// again the moment the runtime removes an image (kubelet GC, <c>crictl rmi</c>), where the runtime says so.
/// </summary>
public sealed class AgentService(IKubernetes client, AgentOptions options, IImageRuntime runtime, ControllerMetrics metrics, AgentMetrics agentMetrics, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Ready => _synced.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var informer = new Informer<V1Alpha1NodeImage>(nodeImages, new ListOptions(FieldSelector: $"metadata.name={options.NodeName}"), loggers.CreateLogger("informer.nodeimage"), time);
        using var queue = new WorkQueue<ResourceKey>(time);
        var key = new ResourceKey(string.Empty, options.NodeName);
        informer.OnEvent((_, _) => queue.Add(key));
        var watching = informer.RunAsync(stoppingToken);
        await informer.Synced.WaitAsync(stoppingToken);
        _synced.TrySetResult();
        queue.Add(key);
        await using var pulls = new PullScheduler(runtime, options.MaxConcurrentPulls, PullScheduler.DefaultBackoff, time, loggers.CreateLogger<PullScheduler>(), new SecretPullCredentials(client), agentMetrics);
        pulls.Completed += (_, _) => queue.Add(key);
        var reconciler = new NodeImageReconciler(
            options,
            informer.Cache,
            nodeImages,
            new NodeImageSync(runtime, pulls, time, loggers.CreateLogger<NodeImageSync>(), agentMetrics, ImageUseStore.Open(options.StateDirectory, loggers.CreateLogger<ImageUseStore>())),
            new EventRecorder(client, "longshore-agent", loggers.CreateLogger<EventRecorder>(), time),
            time);
        var removals = RemovalFeed.FollowAsync(runtime, () => queue.Add(key), options.ResyncInterval, time, loggers.CreateLogger<AgentService>(), stoppingToken);
        await new ReconcilerHost(reconciler, queue, workers: 1, loggers.CreateLogger<ReconcilerHost>(), metrics, time: time).RunAsync(stoppingToken);
        queue.ShutDown();
        await watching;
        await removals;
    }
}
