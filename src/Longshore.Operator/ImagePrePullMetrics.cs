using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Per ImagePrePull node counts under the meter "Longshore.Operator", for alerts on stuck or failing pre-pulls. The
/// reconciler records every object on every reconcile and finalization forgets it, so a deleted object leaves no
/// series; only the leader exports (a replica that is not leading has nothing current to say).
/// </summary>
public sealed class ImagePrePullMetrics
{
    public const string MeterName = "Longshore.Operator";

    private readonly ConcurrentDictionary<ResourceKey, (int Desired, int Ready, int Failed)> _latest = new();
    private readonly Leadership _leadership;

    public ImagePrePullMetrics(IMeterFactory meters, Leadership leadership)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _leadership = leadership;
        var meter = meters.Create(new MeterOptions(MeterName));
        meter.CreateObservableGauge("longshore_imageprepull_desired_nodes", () => Observe(s => s.Desired), description: "Nodes an ImagePrePull targets");
        meter.CreateObservableGauge("longshore_imageprepull_ready_nodes", () => Observe(s => s.Ready), description: "Nodes that have every image of an ImagePrePull");
        meter.CreateObservableGauge("longshore_imageprepull_failed_nodes", () => Observe(s => s.Failed), description: "Nodes that gave up on an image of an ImagePrePull");
    }

    public void Record(ResourceKey key, int desired, int ready, int failed) => _latest[key] = (desired, ready, failed);

    public void Forget(ResourceKey key) => _latest.TryRemove(key, out _);

    private IEnumerable<Measurement<int>> Observe(Func<(int Desired, int Ready, int Failed), int> value) =>
        _leadership.IsLeading
            ? _latest.Select(kv => new Measurement<int>(value(kv.Value), new KeyValuePair<string, object?>("namespace", kv.Key.Namespace), new KeyValuePair<string, object?>("name", kv.Key.Name)))
            : [];
}
