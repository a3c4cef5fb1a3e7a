using System.Diagnostics.Metrics;
using Longshore.Kube;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Operator.Tests;

public sealed class ImagePrePullMetricsTests
{
    private static Dictionary<(string Instrument, string Name), int> Read(IMeterFactory factory)
    {
        var values = new Dictionary<(string, string), int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == ImagePrePullMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            values[(instrument.Name, (string)tags.ToArray().Single(t => t.Key == "name").Value!)] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void The_leader_exports_every_recorded_object_until_it_is_forgotten()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var leadership = new Leadership(leading: true);
        var metrics = new ImagePrePullMetrics(factory, leadership);
        metrics.Record(new ResourceKey("default", "warm"), desired: 3, ready: 2, failed: 1);
        metrics.Record(new ResourceKey("default", "cold"), desired: 1, ready: 0, failed: 0);

        var values = Read(factory);
        values[("longshore_imageprepull_desired_nodes", "warm")].Should().Be(3);
        values[("longshore_imageprepull_ready_nodes", "warm")].Should().Be(2);
        values[("longshore_imageprepull_failed_nodes", "warm")].Should().Be(1);
        values[("longshore_imageprepull_desired_nodes", "cold")].Should().Be(1);

        metrics.Forget(new ResourceKey("default", "warm"));
        Read(factory).Keys.Select(k => k.Name).Should().OnlyContain(n => n == "cold", "a deleted object leaves no series");
    }

    [Fact]
    public void A_replica_that_does_not_lead_exports_nothing()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new ImagePrePullMetrics(factory, new Leadership(leading: false));
        metrics.Record(new ResourceKey("default", "warm"), 3, 2, 1);
        Read(factory).Should().BeEmpty();
    }
}
