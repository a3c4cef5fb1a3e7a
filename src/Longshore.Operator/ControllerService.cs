using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Runs the informers on every replica (warm caches for a fast take-over) and the reconcilers only on the leader.
/// Losing the lease stops the reconcilers; the replica then campaigns again.
/// </summary>
public sealed class ControllerService(IKubernetes client, OperatorOptions options, ImageResolver resolver, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Ready => _synced.Task.IsCompletedSuccessfully;

    public bool Leading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<ControllerService>();
        var prePullClient = new CustomResourceClient<V1Alpha1ImagePrePull>(client);
        var nodeImageClient = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var prePulls = new Informer<V1Alpha1ImagePrePull>(prePullClient, logger: loggers.CreateLogger("informer.imageprepull"), time: time);
        var nodes = new Informer<V1Node>(new NodeClient(client), logger: loggers.CreateLogger("informer.node"), time: time);
        var nodeImages = new Informer<V1Alpha1NodeImage>(nodeImageClient, logger: loggers.CreateLogger("informer.nodeimage"), time: time);
        using var queue = new WorkQueue<ResourceKey>(time);

        prePulls.OnEvent((_, item) => queue.Add(ResourceKey.Of(item)));
        nodes.OnEvent((_, _) =>
        {
            foreach (var prePull in prePulls.Cache.Items)
            {
                queue.Add(ResourceKey.Of(prePull));
            }
        });
        nodeImages.OnEvent((_, item) =>
        {
            foreach (var owner in item.Spec.Images?.SelectMany(i => i.Owners).Where(o => o.Kind == V1Alpha1ImagePrePull.KindName).DistinctBy(o => (o.Namespace, o.Name)) ?? [])
            {
                queue.Add(new ResourceKey(owner.Namespace, owner.Name));
            }
        });

        var informers = new[] { prePulls.RunAsync(stoppingToken), nodes.RunAsync(stoppingToken), nodeImages.RunAsync(stoppingToken) };
        await Task.WhenAll(prePulls.Synced, nodes.Synced, nodeImages.Synced).WaitAsync(stoppingToken);
        _synced.TrySetResult();
        logger.LogInformation("caches synced: {PrePulls} ImagePrePulls, {Nodes} nodes, {NodeImages} NodeImages", prePulls.Cache.Count, nodes.Cache.Count, nodeImages.Cache.Count);

        var reconciler = new ImagePrePullReconciler(
            prePulls.Cache,
            nodes.Cache,
            nodeImages.Cache,
            prePullClient,
            nodeImageClient,
            resolver,
            new PullSecretMirror(client, options.Namespace),
            new EventRecorder(client, "longshore-operator", loggers.CreateLogger<EventRecorder>(), time),
            time,
            loggers.CreateLogger<ImagePrePullReconciler>());
        var host = new ReconcilerHost(reconciler, queue, options.Workers, loggers.CreateLogger<ReconcilerHost>());

        async Task LeadAsync(CancellationToken leading)
        {
            Leading = true;
            try
            {
                // Everything known is looked at once on taking over.
                foreach (var prePull in prePulls.Cache.Items)
                {
                    queue.Add(ResourceKey.Of(prePull));
                }

                await host.RunAsync(leading);
            }
            finally
            {
                Leading = false;
            }
        }

        if (!options.LeaderElection)
        {
            await LeadAsync(stoppingToken);
        }
        else
        {
            var election = new LeaderElection(client, options.Namespace, options.LeaseName, options.Identity, options.LeaseDuration, loggers.CreateLogger<LeaderElection>());
            while (!stoppingToken.IsCancellationRequested)
            {
                await election.RunAsync(LeadAsync, stoppingToken);
            }
        }

        queue.ShutDown();
        await Task.WhenAll(informers);
    }
}
