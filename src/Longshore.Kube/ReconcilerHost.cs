using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube;

/// <summary>
/// Runs a reconciler over a work queue with N workers: errors requeue with back-off, results may ask to look again
/// later. Each reconcile has a deadline: past it the reconcile is cancelled and its worker moves on, so a call that
/// never returns cannot hold a worker. The key stays with the late reconcile until it returns (never two reconciles
/// of one key at once) and is then retried with back-off.
/// </summary>
public sealed class ReconcilerHost(
    IReconciler reconciler,
    WorkQueue<ResourceKey> queue,
    int workers = 2,
    ILogger? logger = null,
    ControllerMetrics? metrics = null,
    TimeSpan? reconcileTimeout = null,
    TimeProvider? time = null)
{
    public static readonly TimeSpan DefaultReconcileTimeout = TimeSpan.FromMinutes(2);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan _timeout = reconcileTimeout ?? DefaultReconcileTimeout;

    public WorkQueue<ResourceKey> Queue => queue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        metrics?.ObserveQueue(reconciler.Name, () => queue.Depth);
        var tasks = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => WorkAsync(cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            metrics?.ForgetQueue(reconciler.Name);
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

            var started = _time.GetTimestamp();
            var outcome = "success";
            var late = false;
            var deadline = new CancellationTokenSource(_timeout, _time);
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            Task<ReconcileResult>? work = null;
            try
            {
                work = reconciler.ReconcileAsync(key, linked.Token);
                var result = await work.WaitAsync(_timeout, _time, cancellationToken);
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
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && deadline.IsCancellationRequested))
            {
                outcome = "timeout";
                late = work is { IsCompleted: false };
                await linked.CancelAsync();
                if (late)
                {
                    _logger.LogWarning("{Controller} reconcile of {Key} passed its {Timeout} deadline; the worker moves on", reconciler.Name, key, _timeout);
                    _ = ReleaseWhenDoneAsync(work!, key, deadline, linked);
                }
                else
                {
                    var delay = queue.AddRateLimited(key);
                    _logger.LogWarning("{Controller} reconcile of {Key} passed its {Timeout} deadline; retrying in {Delay}", reconciler.Name, key, _timeout, delay);
                }
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
                if (!late)
                {
                    queue.Done(key);
                    linked.Dispose();
                    deadline.Dispose();
                }

                metrics?.Reconciled(reconciler.Name, outcome, _time.GetElapsedTime(started));
            }
        }
    }

    /// <summary>Hands a late reconcile's key back to the queue once the reconcile has returned, and retries it with back-off.</summary>
    private async Task ReleaseWhenDoneAsync(Task work, ResourceKey key, CancellationTokenSource deadline, CancellationTokenSource linked)
    {
        try
        {
            await work;
        }
        catch (Exception e)
        {
            _logger.LogDebug("{Controller} late reconcile of {Key} ended: {Error}", reconciler.Name, key, e.Message);
        }
        finally
        {
            queue.Done(key);
            queue.AddRateLimited(key);
            linked.Dispose();
            deadline.Dispose();
        }
    }
}
