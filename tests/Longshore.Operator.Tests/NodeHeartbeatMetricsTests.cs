using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Operator.Tests;

public sealed class NodeHeartbeatMetricsTests
{
    private static Dictionary<string, double> Read(IMeterFactory factory)
    {
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == NodeHeartbeatMetrics.HeartbeatInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => values[(string)tags.ToArray().Single(t => t.Key == "node").Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public void The_leader_exports_each_nodes_last_heartbeat_as_unix_seconds_from_the_cache()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var informers = new InformerRegistry(client, NullLoggerFactory.Instance, TimeProvider.System);
        var leadership = new Leadership(leading: true);
        _ = new NodeHeartbeatMetrics(factory, informers, leadership);
        var cache = informers.For<V1Alpha1NodeImage>().Cache;
        cache.Set(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "node-a" }, Status = new NodeImageStatus { HeartbeatTime = new DateTime(2026, 12, 2, 14, 0, 30, DateTimeKind.Utc) } });
        cache.Set(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "node-b" } });

        var values = Read(factory);
        values.Should().ContainSingle("a node whose agent never wrote has no heartbeat to export");
        values["node-a"].Should().Be(new DateTimeOffset(2026, 12, 2, 14, 0, 30, TimeSpan.Zero).ToUnixTimeSeconds());

        cache.Set(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "node-a" }, Status = new NodeImageStatus { HeartbeatTime = new DateTime(2026, 12, 2, 14, 1, 30, DateTimeKind.Utc) } });
        Read(factory)["node-a"].Should().Be(new DateTimeOffset(2026, 12, 2, 14, 1, 30, TimeSpan.Zero).ToUnixTimeSeconds(), "read at scrape time, the gauge follows the cache");
    }

    [Fact]
    public void A_replica_that_does_not_lead_exports_no_heartbeats()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var informers = new InformerRegistry(client, NullLoggerFactory.Instance, TimeProvider.System);
        _ = new NodeHeartbeatMetrics(factory, informers, new Leadership(leading: false));
        informers.For<V1Alpha1NodeImage>().Cache.Set(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = "node-a" }, Status = new NodeImageStatus { HeartbeatTime = DateTime.UtcNow } });
        Read(factory).Should().BeEmpty();
    }
}
