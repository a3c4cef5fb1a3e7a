using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Longshore.Kube;

/// <summary>
/// Reconcile counts, durations and queue depth under the meter "Longshore.Kube" (exported by the hosts). One per
/// host, made from the host's <see cref="IMeterFactory"/>.
/// </summary>
public sealed class ControllerMetrics
{
    public const string MeterName = "Longshore.Kube";

    /// <summary>Bucket bounds in seconds: a cache-only reconcile takes milliseconds, one that resolves or writes takes up to seconds, a stalled one hits the deadline.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly ConcurrentDictionary<string, Func<int>> _queues = new(StringComparer.Ordinal);
    private readonly Counter<long> _reconciles;
    private readonly Histogram<double> _durations;

    public ControllerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(new MeterOptions(MeterName));
        _reconciles = meter.CreateCounter<long>("longshore_reconcile_total", description: "Reconciles by controller and result (success, requeue, error, timeout)");
        _durations = meter.CreateHistogram(
            "longshore_reconcile_duration_seconds",
            unit: "s",
            description: "Reconcile duration by controller",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.CreateObservableGauge(
            "longshore_workqueue_depth",
            () => _queues.Select(q => new Measurement<int>(q.Value(), new KeyValuePair<string, object?>("controller", q.Key))),
            description: "Keys waiting in a controller's queue");
    }

    public void Reconciled(string controller, string result, TimeSpan duration)
    {
        _reconciles.Add(1, new TagList { { "controller", controller }, { "result", result } });
        _durations.Record(duration.TotalSeconds, new TagList { { "controller", controller } });
    }

    /// <summary>Exports the depth of a controller's queue while it runs.</summary>
    public void ObserveQueue(string controller, Func<int> depth) => _queues[controller] = depth;

    public void ForgetQueue(string controller) => _queues.TryRemove(controller, out _);
}
