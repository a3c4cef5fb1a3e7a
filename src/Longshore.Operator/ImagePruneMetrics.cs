using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// ImagePrune runs under the meter "Longshore.Operator": finished runs by result, images removed and bytes freed
/// (counters, counted by the leader that finished the run), and the last run's bytes and the last and next run times
/// (gauges, recorded from the status on every reconcile so a new leader exports them at once). Every result starts at 0
/// so a first failure is an increase; only the leader exports, and a deleted object leaves no series.
/// </summary>
public sealed class ImagePruneMetrics
{
    public const string MeterName = ImagePrePullMetrics.MeterName;
    public static readonly string[] Results = ["succeeded", "failed", "dry_run"];

    private readonly ConcurrentDictionary<string, PruneSeries> _series = new(StringComparer.Ordinal);
    private readonly Leadership _leadership;

    public ImagePruneMetrics(IMeterFactory meters, Leadership leadership)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _leadership = leadership;
        var meter = meters.Create(new MeterOptions(MeterName));
        meter.CreateObservableCounter("longshore_imageprune_runs_total", ObserveRuns, description: "Finished ImagePrune runs by result (succeeded, failed, dry_run)");
        meter.CreateObservableCounter("longshore_imageprune_images_removed_total", () => Observe(s => s.ImagesRemoved), description: "Images removed by an ImagePrune's runs");
        meter.CreateObservableCounter("longshore_imageprune_bytes_reclaimed_total", () => Observe(s => s.BytesReclaimed), description: "Bytes freed by an ImagePrune's runs");
        meter.CreateObservableGauge("longshore_imageprune_last_run_bytes", ObserveLastRunBytes, description: "Bytes the last run planned and freed, by kind (planned, freed)");
        meter.CreateObservableGauge("longshore_imageprune_last_run_timestamp_seconds", () => ObserveTime(s => s.LastRun), description: "When an ImagePrune's last run finished (Unix seconds)");
        meter.CreateObservableGauge("longshore_imageprune_next_run_timestamp_seconds", () => ObserveTime(s => s.NextRun), description: "The next scheduled run not yet started (Unix seconds); in the past when a run was missed");
    }

    /// <summary>Counts a run that finished (once, by the reconcile whose status write finished it).</summary>
    public void RunFinished(string name, PruneRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var result = run.FailedNodes > 0 ? "failed" : run.DryRun ? "dry_run" : "succeeded";
        var series = Series(name);
        lock (series)
        {
            series.Runs[result]++;
            if (!run.DryRun)
            {
                series.ImagesRemoved += run.ImagesRemoved;
                series.BytesReclaimed += run.BytesReclaimed;
            }
        }
    }

    /// <summary>The gauges from the status as written.</summary>
    public void Record(string name, ImagePruneStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var series = Series(name);
        lock (series)
        {
            series.LastPlanned = status.LastRun?.BytesPlanned;
            series.LastFreed = status.LastRun?.BytesReclaimed;
            series.LastRun = status.LastRun?.CompletionTime;
            series.NextRun = status.NextScheduleTime;
        }
    }

    public void Forget(string name) => _series.TryRemove(name, out _);

    private PruneSeries Series(string name) => _series.GetOrAdd(name, _ => new PruneSeries());

    private IEnumerable<KeyValuePair<string, PruneSeries>> Exported => _leadership.IsLeading ? _series : [];

    private static KeyValuePair<string, object?> Name(string name) => new("name", name);

    private IEnumerable<Measurement<long>> ObserveRuns() =>
        Exported.SelectMany(kv =>
        {
            lock (kv.Value)
            {
                return Results.Select(r => new Measurement<long>(kv.Value.Runs[r], Name(kv.Key), new KeyValuePair<string, object?>("result", r))).ToList();
            }
        });

    private IEnumerable<Measurement<long>> Observe(Func<PruneSeries, long> value) =>
        Exported.Select(kv =>
        {
            lock (kv.Value)
            {
                return new Measurement<long>(value(kv.Value), Name(kv.Key));
            }
        });

    private IEnumerable<Measurement<long>> ObserveLastRunBytes() =>
        Exported.SelectMany(kv =>
        {
            lock (kv.Value)
            {
                return kv.Value.LastPlanned is { } planned
                    ? new[]
                    {
                        new Measurement<long>(planned, Name(kv.Key), new KeyValuePair<string, object?>("kind", "planned")),
                        new Measurement<long>(kv.Value.LastFreed ?? 0, Name(kv.Key), new KeyValuePair<string, object?>("kind", "freed")),
                    }
                    : [];
            }
        });

    private IEnumerable<Measurement<double>> ObserveTime(Func<PruneSeries, DateTime?> value) =>
        Exported.SelectMany(kv =>
        {
            lock (kv.Value)
            {
                return value(kv.Value) is { } at
                    ? new[] { new Measurement<double>(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeMilliseconds() / 1000.0, Name(kv.Key)) }
                    : [];
            }
        });

    private sealed class PruneSeries
    {
        public Dictionary<string, long> Runs { get; } = Results.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);

        public long ImagesRemoved { get; set; }

        public long BytesReclaimed { get; set; }

        public long? LastPlanned { get; set; }

        public long? LastFreed { get; set; }

        public DateTime? LastRun { get; set; }

        public DateTime? NextRun { get; set; }
    }
}
