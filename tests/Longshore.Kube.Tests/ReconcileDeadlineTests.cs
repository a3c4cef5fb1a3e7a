using System.Collections.Concurrent;

namespace Longshore.Kube.Tests;

public sealed class ReconcileDeadlineTests
{
    [Fact]
    public async Task Four_stalled_reconciles_do_not_stop_a_fifth_object_with_two_workers()
    {
        using var queue = new WorkQueue<ResourceKey>(baseDelay: TimeSpan.FromMinutes(1));
        var reconciler = new StallingReconciler(stalled: ["a", "b", "c", "d"]);
        var host = new ReconcilerHost(reconciler, queue, workers: 2, reconcileTimeout: TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            queue.Add(new ResourceKey("ns", name));
        }

        var reconciled = await reconciler.Done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        reconciled.Should().Be("e");
        reconciler.Started.Keys.Should().BeEquivalentTo(["a", "b", "c", "d", "e"], "every stalled key got a worker and passed its deadline");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_late_reconcile_keeps_its_key_and_is_retried_after_it_returns()
    {
        using var queue = new WorkQueue<ResourceKey>(baseDelay: TimeSpan.FromMilliseconds(1));
        var release = new TaskCompletionSource();
        var calls = 0;
        var reconciler = new DelegateReconciler(async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await release.Task; // ignores cancellation, as a hung call does
            }

            return ReconcileResult.Done;
        });
        var host = new ReconcilerHost(reconciler, queue, workers: 2, reconcileTimeout: TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);
        var key = new ResourceKey("ns", "slow");
        queue.Add(key);
        await Task.Delay(400);
        queue.Add(key);
        await Task.Delay(300);
        Volatile.Read(ref calls).Should().Be(1, "the key belongs to the late reconcile until it returns");
        release.SetResult();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref calls) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Volatile.Read(ref calls).Should().BeGreaterThanOrEqualTo(2, "the key is retried once the late reconcile returned");
        await stop.CancelAsync();
        await run;
    }

    private sealed class StallingReconciler(HashSet<string> stalled) : IReconciler
    {
        public ConcurrentDictionary<string, bool> Started { get; } = new();

        public TaskCompletionSource<string> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "stalling";

        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            Started[key.Name] = true;
            if (stalled.Contains(key.Name))
            {
                // A call that never returns and ignores its token.
                await new TaskCompletionSource().Task;
            }

            Done.TrySetResult(key.Name);
            return ReconcileResult.Done;
        }
    }

    private sealed class DelegateReconciler(Func<ResourceKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler
    {
        public string Name => "delegate";

        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
    }
}
