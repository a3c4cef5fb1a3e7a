using Longshore.Kube;
using Longshore.Runtime;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>Follows a runtime's image removals so the agent can put wanted images back at once rather than at its next resync.</summary>
internal static class RemovalFeed
{
    private static readonly Backoff Resubscribe = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>
    /// Calls <paramref name="onRemoval"/> for every removal; resubscribes with back-off when the runtime restarts, and
    /// after <paramref name="idle"/> when the runtime has no feed at all. Also calls it after a break, since whatever
    /// was removed meanwhile went unheard.
    /// </summary>
    public static async Task FollowAsync(IImageRuntime runtime, Action onRemoval, TimeSpan idle, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = idle;
            try
            {
                await foreach (var name in runtime.RemovedImagesAsync(cancellationToken))
                {
                    failures = 0;
                    logger.LogDebug("the runtime removed {Image}", name);
                    onRemoval();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RuntimeException or OperationCanceledException or IOException)
            {
                failures++;
                delay = Resubscribe.Delay(failures);
                logger.LogWarning("following the runtime's image removals failed ({Error}); retrying in {Delay}", e.Message, delay);
                onRemoval();
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
