using System.Diagnostics.Metrics;
using Longshore.Api;
using Longshore.Kube;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Operator.Tests;

public sealed class ImagePruneMetricsTests
{
    private static Dictionary<string, double> Read(IMeterFactory factory)
    {
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("longshore_imageprune_", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };

        void Store(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = string.Join(",", tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            values[$"{instrument.Name}{{{labels}}}"] = value;
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Store(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Store(instrument, value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void Finished_runs_count_by_result_and_the_last_and_next_run_are_exported()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new ImagePruneMetrics(factory, new Leadership(leading: true));
        var run = new PruneRun { RunId = "r1", Nodes = 2, ImagesRemoved = 3, BytesPlanned = 500, BytesReclaimed = 400, CompletionTime = new DateTime(2026, 12, 1, 3, 0, 10, DateTimeKind.Utc) };
        metrics.RunFinished("nightly", run);
        metrics.RunFinished("nightly", new PruneRun { RunId = "r2", DryRun = true, ImagesRemoved = 7, BytesPlanned = 900 });
        metrics.RunFinished("nightly", new PruneRun { RunId = "r3", FailedNodes = 1, ImagesRemoved = 1, BytesReclaimed = 10 });
        metrics.Record("nightly", new ImagePruneStatus { LastRun = run, NextScheduleTime = new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc) });

        var values = Read(factory);
        values["longshore_imageprune_runs_total{name=nightly,result=succeeded}"].Should().Be(1);
        values["longshore_imageprune_runs_total{name=nightly,result=dry_run}"].Should().Be(1);
        values["longshore_imageprune_runs_total{name=nightly,result=failed}"].Should().Be(1);
        values["longshore_imageprune_images_removed_total{name=nightly}"].Should().Be(4, "a dry run removes nothing");
        values["longshore_imageprune_bytes_reclaimed_total{name=nightly}"].Should().Be(410);
        values["longshore_imageprune_last_run_bytes{kind=planned,name=nightly}"].Should().Be(500);
        values["longshore_imageprune_last_run_bytes{kind=freed,name=nightly}"].Should().Be(400);
        values["longshore_imageprune_last_run_timestamp_seconds{name=nightly}"].Should().Be(new DateTimeOffset(2026, 12, 1, 3, 0, 10, TimeSpan.Zero).ToUnixTimeSeconds());
        values["longshore_imageprune_next_run_timestamp_seconds{name=nightly}"].Should().Be(new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds());

        metrics.Forget("nightly");
        Read(factory).Should().BeEmpty("a deleted object leaves no series");
    }

    [Fact]
    public void A_new_object_starts_every_result_at_zero_and_a_replica_that_does_not_lead_exports_nothing()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        new ImagePruneMetrics(factory, new Leadership(leading: false)).Record("weekly", new ImagePruneStatus());
        Read(factory).Should().BeEmpty();
        new ImagePruneMetrics(factory, new Leadership(leading: true)).Record("weekly", new ImagePruneStatus());
        Read(factory).Where(kv => kv.Key.StartsWith("longshore_imageprune_runs_total", StringComparison.Ordinal)).Should().HaveCount(3).And.OnlyContain(kv => kv.Value == 0);
    }
}
