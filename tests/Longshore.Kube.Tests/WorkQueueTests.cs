using Microsoft.Extensions.Time.Testing;

namespace Longshore.Kube.Tests;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_waits_only_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        queue.Depth.Should().Be(2);
        (await queue.GetAsync(CancellationToken.None)).Should().Be("a");
        (await queue.GetAsync(CancellationToken.None)).Should().Be("b");
    }

    [Fact]
    public async Task A_key_added_while_processing_comes_back_after_done_and_not_before()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var first = await queue.GetAsync(CancellationToken.None);
        queue.Add("a");
        queue.Depth.Should().Be(0, "a key being processed is not handed to a second worker");
        queue.Done(first!);
        queue.Depth.Should().Be(1);
        (await queue.GetAsync(CancellationToken.None)).Should().Be("a");
    }

    [Fact]
    public void Back_off_doubles_per_failure_and_forget_resets_it()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time, baseDelay: TimeSpan.FromMilliseconds(10), tokensPerSecond: 1000, burst: 1000);
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromMilliseconds(10));
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromMilliseconds(20));
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromMilliseconds(40));
        queue.Failures("a").Should().Be(3);
        queue.Forget("a");
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void Back_off_is_capped()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time, baseDelay: TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(30), tokensPerSecond: 1000, burst: 1000);
        for (var i = 0; i < 10; i++)
        {
            queue.AddRateLimited("a");
        }

        queue.AddRateLimited("a").Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Overall_rate_limit_spaces_out_a_burst_of_failures()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time, baseDelay: TimeSpan.FromMilliseconds(1), tokensPerSecond: 10, burst: 5);
        var delays = Enumerable.Range(0, 8).Select(i => queue.AddRateLimited($"k{i}")).ToList();
        delays.Take(5).Should().OnlyContain(d => d <= TimeSpan.FromMilliseconds(1));
        delays[5].Should().BeCloseTo(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1));
        delays[7].Should().BeCloseTo(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Delayed_add_arrives_when_the_time_comes()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time);
        queue.AddAfter("later", TimeSpan.FromSeconds(5));
        queue.Depth.Should().Be(0);
        time.Advance(TimeSpan.FromSeconds(5));
        (await queue.GetAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token)).Should().Be("later");
    }

    [Fact]
    public async Task A_key_waits_for_its_earliest_delayed_add_only()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time);
        queue.AddAfter("key", TimeSpan.FromSeconds(10));
        queue.AddAfter("key", TimeSpan.FromSeconds(3));
        queue.AddAfter("key", TimeSpan.FromSeconds(60));
        queue.Waiting.Should().Be(1);

        time.Advance(TimeSpan.FromSeconds(3));
        (await queue.GetAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token)).Should().Be("key");
        queue.Done("key");
        queue.Waiting.Should().Be(0);

        // The later adds were superseded: nothing more arrives, however long one waits.
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50);
        queue.Depth.Should().Be(0);
    }

    [Fact]
    public async Task Host_never_runs_one_key_twice_at_once_and_retries_errors()
    {
        using var queue = new WorkQueue<ResourceKey>(baseDelay: TimeSpan.FromMilliseconds(1));
        var reconciler = new CountingReconciler();
        var host = new ReconcilerHost(reconciler, queue, workers: 4);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);
        for (var i = 0; i < 50; i++)
        {
            queue.Add(new ResourceKey("ns", "same"));
            await Task.Delay(1);
        }

        queue.Add(new ResourceKey("ns", "fails-twice"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (reconciler.Succeeded("fails-twice") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;
        reconciler.MaxConcurrent.Should().Be(1);
        reconciler.Attempts("fails-twice").Should().Be(3);
        reconciler.Succeeded("fails-twice").Should().Be(1);
    }

    private sealed class CountingReconciler : IReconciler
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _attempts = [];
        private readonly Dictionary<string, int> _succeeded = [];
        private int _running;

        public string Name => "test";

        public int MaxConcurrent { get; private set; }

        public int Attempts(string name)
        {
            lock (_gate)
            {
                return _attempts.GetValueOrDefault(name);
            }
        }

        public int Succeeded(string name)
        {
            lock (_gate)
            {
                return _succeeded.GetValueOrDefault(name);
            }
        }

        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            int attempt;
            lock (_gate)
            {
                attempt = _attempts[key.Name] = _attempts.GetValueOrDefault(key.Name) + 1;
                if (key.Name == "same")
                {
                    MaxConcurrent = Math.Max(MaxConcurrent, ++_running);
                }
            }

            await Task.Delay(5, cancellationToken);
            lock (_gate)
            {
                if (key.Name == "same")
                {
                    _running--;
                }
            }

            if (key.Name == "fails-twice" && attempt <= 2)
            {
                throw new InvalidOperationException("transient");
            }

            lock (_gate)
            {
                _succeeded[key.Name] = _succeeded.GetValueOrDefault(key.Name) + 1;
            }

            return ReconcileResult.Done;
        }
    }
}
