using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Agent;

/// <summary>
/// Makes one node's NodeImage true through <see cref="NodeImageSync"/> and writes what it reports through the status
/// subresource when it changed, and at least every heartbeat interval. Pull completions and the runtime's removal events
/// requeue it; otherwise it looks again at the resync interval or when a backed-off pull falls due.
/// </summary>
public sealed class NodeImageReconciler(
    AgentOptions options,
    ObjectCache<V1Alpha1NodeImage> nodeImages,
    CustomResourceClient<V1Alpha1NodeImage> client,
    NodeImageSync sync,
    EventRecorder events,
    TimeProvider time) : IReconciler
{
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

    public string Name => "nodeimage";

    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var nodeImage = nodeImages.Get(key);
        if (nodeImage is null)
        {
            return ReconcileResult.After(options.ResyncInterval);
        }

        var result = await sync.SyncAsync(nodeImage.Spec, nodeImage.Status, nodeImage.Metadata.Generation, cancellationToken);
        foreach (var failed in result.NewlyFailed)
        {
            await events.WarningAsync(nodeImage, "PullFailed", $"{failed.Reference}: {failed.Message}", cancellationToken);
        }

        var now = time.GetUtcNow();
        if (result.Changed || now - _lastWrite >= options.HeartbeatInterval)
        {
            result.Status.HeartbeatTime = now.UtcDateTime;
            await StatusWriter.WriteAsync(client, nodeImage, result.Status, cancellationToken, NodeImageStatusValues.Comparer);
            _lastWrite = now;
        }

        // The next look: the resync, a backed-off pull falling due, or the heartbeat, whichever comes first.
        var wake = now + options.ResyncInterval;
        if (result.RetryAt < wake)
        {
            wake = result.RetryAt.Value;
        }

        var heartbeat = _lastWrite + options.HeartbeatInterval;
        var next = (heartbeat < wake ? heartbeat : wake) - now;
        return ReconcileResult.After(next > TimeSpan.Zero ? next : TimeSpan.Zero);
    }
}
