using System.Diagnostics.Metrics;

namespace Longshore.Kube;

/// <summary>Reconcile counts, durations and queue depth under the meter "Longshore.Kube" (exported by the hosts).</summary>
public static class ControllerMetrics
{
    public const string MeterName = "Longshore.Kube";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Reconciles { get; } = Meter.CreateCounter<long>("longshore_reconcile_total", description: "Reconciles by controller and result (success, requeue, error)");

    public static Histogram<double> Durations { get; } = Meter.CreateHistogram<double>("longshore_reconcile_duration_seconds", unit: "s", description: "Reconcile duration by controller");

    internal static void ObserveQueue(string controller, Func<int> depth) =>
        Meter.CreateObservableGauge("longshore_workqueue_depth", () => new Measurement<int>(depth(), new KeyValuePair<string, object?>("controller", controller)), description: "Keys waiting in a controller's queue");
}
