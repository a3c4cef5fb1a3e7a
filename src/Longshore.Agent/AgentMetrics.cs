using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Longshore.Agent;

/// <summary>
/// Pulls, pulled bytes and the node's image counts under the meter "Longshore.Agent" (exported by the agent host). One
/// per host, made from the host's <see cref="IMeterFactory"/>; the standalone agent, which exports nothing, goes without.
/// </summary>
public sealed class AgentMetrics
{
    public const string MeterName = "Longshore.Agent";

    /// <summary>Bucket bounds in seconds: a small image from a near registry takes a fraction of a second, a large one over a slow link minutes, up to a long pullTimeout.</summary>
    public static readonly IReadOnlyList<double> PullDurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

    private readonly Counter<long> _pulls;
    private readonly Histogram<double> _pullDuration;
    private readonly Counter<long> _bytesPulled;
    private ImageCounts _images = new(0, 0, 0);

    public AgentMetrics(IMeterFactory meters, RuntimeHealth? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(new MeterOptions(MeterName));
        _pulls = meter.CreateCounter<long>("longshore_agent_pulls_total", description: "Image pulls by result (success, failure)");
        _pullDuration = meter.CreateHistogram(
            "longshore_agent_pull_duration_seconds",
            unit: "s",
            description: "Time to pull one image",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PullDurationBuckets });
        _bytesPulled = meter.CreateCounter<long>("longshore_agent_pulled_bytes_total", unit: "By", description: "Bytes of images pulled");
        meter.CreateObservableGauge("longshore_agent_images_wanted", () => Volatile.Read(ref _images).Wanted, description: "Images the node's NodeImage wants");
        meter.CreateObservableGauge("longshore_agent_images_present", () => Volatile.Read(ref _images).Present, description: "Wanted images present on the node");
        meter.CreateObservableGauge("longshore_agent_images_pinned", () => Volatile.Read(ref _images).Pinned, description: "Wanted images pinned against GC");
        if (runtime is not null)
        {
            meter.CreateObservableGauge("longshore_agent_runtime_up", () => runtime.Up ? 1 : 0, description: "1 when the last check of the image runtime succeeded");
            meter.CreateObservableGauge("longshore_agent_runtime_failed_checks", () => runtime.ConsecutiveFailures, description: "Failed checks of the image runtime since the last one that succeeded");
        }
    }

    /// <summary>A pull attempt ended (not one abandoned or stopped by shutdown).</summary>
    public void PullEnded(bool succeeded, TimeSpan duration)
    {
        _pullDuration.Record(duration.TotalSeconds);
        _pulls.Add(1, new TagList { { "result", succeeded ? "success" : "failure" } });
    }

    /// <summary>A pulled image was seen present for the first time.</summary>
    public void Pulled(long bytes) => _bytesPulled.Add(bytes);

    /// <summary>The counts after a pass, exported until the next one.</summary>
    public void Observe(int wanted, int present, int pinned) => Volatile.Write(ref _images, new ImageCounts(wanted, present, pinned));

    /// <summary>Immutable, so a scrape never sees the counts of two passes mixed.</summary>
    private sealed record ImageCounts(int Wanted, int Present, int Pinned);
}
