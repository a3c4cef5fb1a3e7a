using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>Per ImagePrePull node counts under the meter "Longshore.Operator", for alerts on stuck or failing pre-pulls.</summary>
public static class OperatorMetrics
{
    public const string MeterName = "Longshore.Operator";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<ResourceKey, ImagePrePullStatus> Latest = new();

    static OperatorMetrics()
    {
        Meter.CreateObservableGauge("longshore_imageprepull_desired_nodes", () => Observe(s => s.DesiredNodes), description: "Nodes an ImagePrePull targets");
        Meter.CreateObservableGauge("longshore_imageprepull_ready_nodes", () => Observe(s => s.ReadyNodes), description: "Nodes that have every image of an ImagePrePull");
        Meter.CreateObservableGauge("longshore_imageprepull_failed_nodes", () => Observe(s => s.FailedNodes), description: "Nodes that gave up on an image of an ImagePrePull");
    }

    public static void Record(ResourceKey key, ImagePrePullStatus status) => Latest[key] = status;

    public static void Forget(ResourceKey key) => Latest.TryRemove(key, out _);

    private static IEnumerable<Measurement<int>> Observe(Func<ImagePrePullStatus, int> value) =>
        Latest.Select(kv => new Measurement<int>(value(kv.Value), new KeyValuePair<string, object?>("namespace", kv.Key.Namespace), new KeyValuePair<string, object?>("name", kv.Key.Name)));
}
