using System.Diagnostics.Metrics;

namespace Longshore.Kube.Tests;

public sealed class ControllerMetricsTests
{
    [Fact]
    public async Task Reconciles_are_counted_and_timed_in_seconds_with_second_sized_buckets()
    {
        using var factory = new TestMeterFactory();
        var metrics = new ControllerMetrics(factory);
        var counts = new List<(long Value, string? Result)>();
        var durations = new List<double>();
        IReadOnlyList<double>? buckets = null;
        var depths = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                if (instrument is Histogram<double> histogram)
                {
                    buckets = histogram.Advice?.HistogramBucketBoundaries;
                }

                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => counts.Add((value, tags.ToArray().SingleOrDefault(t => t.Key == "result").Value as string)));
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => durations.Add(value));
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => depths.Add(value));
        listener.Start();

        using var queue = new WorkQueue<ResourceKey>(baseDelay: TimeSpan.FromMinutes(1));
        var host = new ReconcilerHost(new SlowReconciler(), queue, workers: 1, metrics: metrics);
        using var stop = new CancellationTokenSource();
        var run = host.RunAsync(stop.Token);
        queue.Add(new ResourceKey("ns", "a"));
        queue.Add(new ResourceKey("ns", "b"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (durations.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        listener.RecordObservableInstruments();
        await stop.CancelAsync();
        await run;

        counts.Should().HaveCount(2).And.OnlyContain(c => c.Value == 1 && c.Result == "success");
        durations.Should().HaveCount(2).And.OnlyContain(d => d >= 0.05 && d < 5, "durations are in seconds");
        buckets.Should().NotBeNull().And.Equal(ControllerMetrics.DurationBuckets);
        buckets!.First().Should().BeLessThan(0.01);
        buckets!.Last().Should().BeGreaterThanOrEqualTo(60);
        depths.Should().ContainSingle().Which.Should().Be(0);
    }

    private sealed class SlowReconciler : IReconciler
    {
        public string Name => "slow";

        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            await Task.Delay(60, cancellationToken);
            return ReconcileResult.Done;
        }
    }
}
