using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube;

/// <summary>
/// Leader election on a Lease: only the leader runs the controllers; losing the lease cancels them (and the caller
/// decides whether to exit, as controller-runtime does, or to campaign again).
/// </summary>
public sealed class LeaderElection(IKubernetes client, string @namespace, string leaseName, string identity, TimeSpan? leaseDuration = null, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public string Identity => identity;

    public bool IsLeader { get; private set; }

    /// <summary>Campaigns until leading, runs <paramref name="lead"/> while leading; returns when the lease is lost or on cancellation.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        var duration = leaseDuration ?? TimeSpan.FromSeconds(15);
        var config = new LeaderElectionConfig(new LeaseLock(client, @namespace, leaseName, identity))
        {
            LeaseDuration = duration,
            RenewDeadline = duration * 2 / 3,
            RetryPeriod = duration / 5,
        };
        using var elector = new LeaderElector(config);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? work = null;
        elector.OnStartedLeading += () =>
        {
            IsLeader = true;
            _logger.LogInformation("{Identity} became leader of {Lease}", identity, leaseName);
            work = Task.Run(() => lead(leading.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            IsLeader = false;
            _logger.LogWarning("{Identity} lost the lease {Lease}; stopping the controllers", identity, leaseName);
            leading.Cancel();
        };
        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await leading.CancelAsync();
            IsLeader = false;
            if (work is not null)
            {
                try
                {
                    await work;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }
}
