using System.Diagnostics.Metrics;

namespace Longshore.Agent;

/// <summary>The agent's Prometheus metrics (meter "Longshore.Agent").</summary>
public static class AgentMetrics
{
    public const string MeterName = "Longshore.Agent";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Pulls { get; } = Meter.CreateCounter<long>("longshore_agent_pulls_total", description: "Image pulls by result (success, failure)");

    public static Histogram<double> PullDuration { get; } = Meter.CreateHistogram<double>("longshore_agent_pull_duration_seconds", unit: "s", description: "Time to pull one image");

    public static Counter<long> BytesPulled { get; } = Meter.CreateCounter<long>("longshore_agent_pulled_bytes_total", unit: "By", description: "Bytes of images pulled");

    private static (int Wanted, int Present, int Pinned) _images;

    static AgentMetrics()
    {
        Meter.CreateObservableGauge("longshore_agent_images_wanted", () => _images.Wanted, description: "Images the node's NodeImage wants");
        Meter.CreateObservableGauge("longshore_agent_images_present", () => _images.Present, description: "Wanted images present on the node");
        Meter.CreateObservableGauge("longshore_agent_images_pinned", () => _images.Pinned, description: "Wanted images pinned against GC");
    }

    public static void Observe(int wanted, int present, int pinned) => _images = (wanted, present, pinned);
}
