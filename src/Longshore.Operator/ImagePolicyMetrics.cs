using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// ImagePolicy instruments under the meter "Longshore.Operator": drift per image and kind, stale locks, tag moves,
/// resolutions by result, and the resolution cache's hits and misses. Gauges follow the pattern of
/// <see cref="ImagePrePullMetrics"/>: recorded on every reconcile, forgotten on deletion, exported by the leader only.
/// </summary>
public sealed class ImagePolicyMetrics
{
    public const string MeterName = ImagePrePullMetrics.MeterName;
    public const string TagMoved = "tag_moved";
    public const string PodsOffDigest = "pods_off_digest";
    public const string NodesMissing = "nodes_missing";

    private readonly ConcurrentDictionary<ResourceKey, IReadOnlyList<PolicyImageSeries>> _latest = new();
    private readonly Leadership _leadership;
    private readonly Counter<long> _tagMoves;
    private readonly Counter<long> _resolutions;

    public ImagePolicyMetrics(IMeterFactory meters, Leadership leadership, ImageResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(resolver);
        _leadership = leadership;
        var meter = meters.Create(new MeterOptions(MeterName));
        meter.CreateObservableGauge("longshore_imagepolicy_drift", ObserveDrift, description: "Drift of an ImagePolicy image by kind: tag_moved (0/1, Hold awaiting approval), pods_off_digest (containers), nodes_missing (nodes)");
        meter.CreateObservableGauge("longshore_imagepolicy_lock_stale", ObserveStale, description: "1 while an ImagePolicy lock is the last known good digest because the registry cannot be asked");
        _tagMoves = meter.CreateCounter<long>("longshore_imagepolicy_tag_moves_total", description: "Times a followed tag was seen pointing at a new digest");
        _resolutions = meter.CreateCounter<long>("longshore_imagepolicy_resolutions_total", description: "ImagePolicy image resolutions by result: success, failure, stale");
        meter.CreateObservableCounter("longshore_registry_resolution_cache_hits_total", () => resolver.Cache.Hits, description: "Registry resolutions answered from the resolution cache or joined to a request under way");
        meter.CreateObservableCounter("longshore_registry_resolution_cache_misses_total", () => resolver.Cache.Misses, description: "Registry resolutions that asked the registry");
    }

    /// <summary>The current drift and staleness of one policy's images.</summary>
    public void Record(ResourceKey key, IReadOnlyList<PolicyImageSeries> images) => _latest[key] = images;

    public void Forget(ResourceKey key) => _latest.TryRemove(key, out _);

    public void TagMoves(ResourceKey key, string image) =>
        _tagMoves.Add(1, new KeyValuePair<string, object?>("namespace", key.Namespace), new KeyValuePair<string, object?>("name", key.Name), new KeyValuePair<string, object?>("image", image));

    /// <param name="result">success, failure or stale.</param>
    public void Resolution(string result) => _resolutions.Add(1, new KeyValuePair<string, object?>("result", result));

    private IEnumerable<Measurement<int>> ObserveDrift() =>
        _leadership.IsLeading
            ? _latest.SelectMany(kv => kv.Value.SelectMany(i => new[]
            {
                Drift(kv.Key, i.Image, TagMoved, i.TagMoved ? 1 : 0),
                Drift(kv.Key, i.Image, PodsOffDigest, i.PodsOffDigest),
                Drift(kv.Key, i.Image, NodesMissing, i.NodesMissing),
            }))
            : [];

    private IEnumerable<Measurement<int>> ObserveStale() =>
        _leadership.IsLeading
            ? _latest.SelectMany(kv => kv.Value.Select(i => new Measurement<int>(
                i.Stale ? 1 : 0,
                new KeyValuePair<string, object?>("namespace", kv.Key.Namespace),
                new KeyValuePair<string, object?>("name", kv.Key.Name),
                new KeyValuePair<string, object?>("image", i.Image))))
            : [];

    private static Measurement<int> Drift(ResourceKey key, string image, string kind, int value) => new(
        value,
        new KeyValuePair<string, object?>("namespace", key.Namespace),
        new KeyValuePair<string, object?>("name", key.Name),
        new KeyValuePair<string, object?>("image", image),
        new KeyValuePair<string, object?>("kind", kind));
}
