using k8s.Models;

namespace Longshore.Kube.Tests;

public sealed class ConditionsTests
{
    [Fact]
    public void Transition_time_moves_only_when_the_status_flips()
    {
        var conditions = new List<V1Condition>();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Conditions.Set(conditions, "Ready", false, "Pulling", "1/3 nodes", 1, t0).Should().BeTrue();
        Conditions.Set(conditions, "Ready", false, "Pulling", "2/3 nodes", 1, t0.AddMinutes(1)).Should().BeTrue();
        conditions[0].LastTransitionTime.Should().Be(t0.UtcDateTime);
        Conditions.Set(conditions, "Ready", false, "Pulling", "2/3 nodes", 1, t0.AddMinutes(2)).Should().BeFalse();
        Conditions.Set(conditions, "Ready", true, "AllNodesReady", "3/3 nodes", 1, t0.AddMinutes(3)).Should().BeTrue();
        conditions[0].LastTransitionTime.Should().Be(t0.AddMinutes(3).UtcDateTime);
        Conditions.IsTrue(conditions, "Ready").Should().BeTrue();
    }

    [Fact]
    public void Cache_indexes_find_objects_by_value()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.AddIndex("team", c => c.Metadata.Labels?.TryGetValue("team", out var t) == true ? [t] : []);
        cache.Set(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "x", Labels = new Dictionary<string, string> { ["team"] = "web" } } });
        cache.Set(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b", NamespaceProperty = "x", Labels = new Dictionary<string, string> { ["team"] = "db" } } });
        cache.ByIndex("team", "web").Select(c => c.Metadata.Name).Should().Equal("a");
        cache.Get(new ResourceKey("x", "b")).Should().NotBeNull();
    }
}
