using System.Diagnostics.Metrics;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// The last heartbeat each node's agent wrote into its NodeImage status, as a Unix timestamp per node. An agent that
/// has stopped cannot report its own silence, so the operator exports what it sees in its NodeImage cache, and the
/// alert compares it with <c>time()</c>. Read at scrape time from the informer, so it costs nothing between scrapes;
/// only the leader exports, like the other per-object series.
/// </summary>
public sealed class NodeHeartbeatMetrics
{
    public const string HeartbeatInstrument = "longshore_nodeimage_heartbeat_timestamp_seconds";

    private readonly Informer<V1Alpha1NodeImage> _nodeImages;
    private readonly Leadership _leadership;

    public NodeHeartbeatMetrics(IMeterFactory meters, InformerRegistry informers, Leadership leadership)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(informers);
        _nodeImages = informers.For<V1Alpha1NodeImage>();
        _leadership = leadership;
        var meter = meters.Create(new MeterOptions(ImagePrePullMetrics.MeterName));
        meter.CreateObservableGauge(HeartbeatInstrument, Observe, description: "Unix time of the last status write (heartbeat) by each node's agent");
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        if (!_leadership.IsLeading)
        {
            yield break;
        }

        foreach (var nodeImage in _nodeImages.Cache.Items)
        {
            if (nodeImage.Status?.HeartbeatTime is { } heartbeat)
            {
                var utc = heartbeat.Kind == DateTimeKind.Local ? heartbeat.ToUniversalTime() : DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc);
                yield return new Measurement<double>(new DateTimeOffset(utc).ToUnixTimeMilliseconds() / 1000.0, new KeyValuePair<string, object?>("node", nodeImage.Metadata.Name));
            }
        }
    }
}
