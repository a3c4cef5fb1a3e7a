namespace Longshore.Kube;

/// <summary>
/// Work only the leader does besides reconciling, such as a scheduler that wakes controllers: the runtime starts it
/// when this replica takes the lease (caches synced, controllers' queues built) and cancels it when the lease is lost or
/// the host stops. Registered with <c>services.AddLeaderService</c>.
/// </summary>
public interface ILeaderService
{
    /// <summary>Runs for one leadership term: until <paramref name="leading"/> is cancelled, then stops and returns. Called again for every later term.</summary>
    Task LeadAsync(CancellationToken leading);
}
