using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Longshore.Kube;

/// <summary>
/// Runs the registered controllers: the shared informers on every replica (warm caches for a fast take-over), the
/// reconcilers and the <see cref="ILeaderService"/>s only on the leader. Losing the lease stops them; the replica then
/// campaigns again.
/// </summary>
public sealed class ControllerRuntime(
    IServiceProvider services,
    IEnumerable<ControllerDefinition> definitions,
    IEnumerable<ILeaderService> leaderServices,
    InformerRegistry informers,
    ControllerRuntimeOptions options,
    Leadership leadership,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger = loggers.CreateLogger<ControllerRuntime>();

    /// <summary>Every informer has listed once.</summary>
    public bool Ready => _synced.Task.IsCompletedSuccessfully;

    public bool Leading => leadership.IsLeading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Built before the informers start, so every event handler is in place for the first list.
        var controllers = definitions.Select(d => d.Build(services, options)).ToList();
        var watching = informers.RunAsync(stoppingToken);
        try
        {
            await informers.WaitForSyncAsync(stoppingToken);
            _synced.TrySetResult();
            _logger.LogInformation("caches synced for {Kinds}; controllers: {Controllers}", string.Join(", ", informers.Kinds.Select(k => k.Name)), string.Join(", ", controllers.Select(c => c.Name)));

            async Task LeadAsync(CancellationToken leading)
            {
                leadership.IsLeading = true;
                try
                {
                    await Task.WhenAll(controllers.Select(c => c.LeadAsync(leading)).Concat(leaderServices.Select(s => RunLeaderServiceAsync(s, leading))));
                }
                finally
                {
                    leadership.IsLeading = false;
                }
            }

            if (!options.LeaderElection)
            {
                await LeadAsync(stoppingToken);
            }
            else
            {
                var election = new LeaderElection(services.GetRequiredService<IKubernetes>(), options.Namespace, options.LeaseName, options.Identity, options.LeaseDuration, loggers.CreateLogger<LeaderElection>());
                while (!stoppingToken.IsCancellationRequested)
                {
                    await election.RunAsync(LeadAsync, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var controller in controllers)
            {
                controller.Queue.ShutDown();
            }

            await watching;
            foreach (var controller in controllers)
            {
                controller.Queue.Dispose();
            }
        }
    }

    /// <summary>A leader service that fails is logged and left stopped for the rest of the term; the controllers go on.</summary>
    private async Task RunLeaderServiceAsync(ILeaderService service, CancellationToken leading)
    {
        try
        {
            await service.LeadAsync(leading);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "leader service {Service} failed; it runs again when this replica next takes the lease", service.GetType().Name);
        }
    }
}
