using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube;

/// <summary>Runs a reconciler over a work queue with N workers: errors requeue with back-off, results may ask to look again later.</summary>
public sealed class ReconcilerHost(IReconciler reconciler, WorkQueue<ResourceKey> queue, int workers = 2, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public WorkQueue<ResourceKey> Queue => queue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ControllerMetrics.ObserveQueue(reconciler.Name, () => queue.Depth);
        var tasks = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => WorkAsync(cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var key = await queue.GetAsync(cancellationToken);
            if (key == default)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var outcome = "success";
            try
            {
                var result = await reconciler.ReconcileAsync(key, cancellationToken);
                queue.Forget(key);
                if (result.RequeueAfter is { } after)
                {
                    outcome = "requeue";
                    queue.AddAfter(key, after);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                outcome = "cancelled";
            }
            catch (Exception e)
            {
                outcome = "error";
                var delay = queue.AddRateLimited(key);
                // An expected, retried failure is one line with its reason; its stack only matters when debugging.
                _logger.LogWarning("{Controller} failed to reconcile {Key} ({Error}); retrying in {Delay}", reconciler.Name, key, e.Message, delay);
                _logger.LogDebug(e, "{Controller} reconcile of {Key} failed", reconciler.Name, key);
            }
            finally
            {
                queue.Done(key);
                var tags = new TagList { { "controller", reconciler.Name }, { "result", outcome } };
                ControllerMetrics.Reconciles.Add(1, tags);
                ControllerMetrics.Durations.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new TagList { { "controller", reconciler.Name } });
            }
        }
    }
}
