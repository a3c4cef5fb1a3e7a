using k8s;
using k8s.Models;

namespace Longshore.Kube.Tests;

public sealed class PredicatesTests
{
    private static V1ConfigMap Map(long generation, DateTime? deleting = null, string status = "") => new()
    {
        Metadata = new V1ObjectMeta { Name = "m", Generation = generation, DeletionTimestamp = deleting },
        Data = new Dictionary<string, string> { ["status"] = status },
    };

    [Fact]
    public void Generation_predicate_ignores_status_writes_but_not_spec_changes_deletion_adds_or_deletes()
    {
        Predicates.GenerationChanged(new ObjectEvent<V1ConfigMap>(WatchEventType.Modified, Map(1, status: "new"), Map(1))).Should().BeFalse();
        Predicates.GenerationChanged(new ObjectEvent<V1ConfigMap>(WatchEventType.Modified, Map(2), Map(1))).Should().BeTrue();
        Predicates.GenerationChanged(new ObjectEvent<V1ConfigMap>(WatchEventType.Modified, Map(1, DateTime.UtcNow), Map(1))).Should().BeTrue();
        Predicates.GenerationChanged(new ObjectEvent<V1ConfigMap>(WatchEventType.Added, Map(1), null)).Should().BeTrue();
        Predicates.GenerationChanged(new ObjectEvent<V1ConfigMap>(WatchEventType.Deleted, Map(1), Map(1))).Should().BeTrue();
    }

    private static V1Node Node(Action<V1Node>? change = null)
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "n", Uid = "u1", Labels = new Dictionary<string, string> { ["pool"] = "web" } },
            Spec = new V1NodeSpec { Taints = [new V1Taint { Key = "gpu", Value = "true", Effect = "NoSchedule" }] },
            Status = new V1NodeStatus
            {
                NodeInfo = new V1NodeSystemInfo { OperatingSystem = "linux", Architecture = "amd64" },
                Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", LastHeartbeatTime = DateTime.UnixEpoch }],
            },
        };
        change?.Invoke(node);
        return node;
    }

    [Fact]
    public void Node_predicate_passes_labels_taints_node_info_and_deletion_only()
    {
        static bool Changed(Action<V1Node> change) => Predicates.NodeChanged(new ObjectEvent<V1Node>(WatchEventType.Modified, Node(change), Node()));

        Changed(n => n.Status.Conditions[0].LastHeartbeatTime = DateTime.UtcNow).Should().BeFalse("a heartbeat cannot change what a node should hold");
        Changed(n => n.Metadata.ResourceVersion = "99").Should().BeFalse();
        Changed(n => n.Metadata.Annotations = new Dictionary<string, string> { ["a"] = "b" }).Should().BeFalse();
        Changed(n => n.Metadata.Labels["pool"] = "db").Should().BeTrue();
        Changed(n => n.Metadata.Labels["zone"] = "a").Should().BeTrue();
        Changed(n => n.Spec.Taints = []).Should().BeTrue();
        Changed(n => n.Spec.Taints[0].Effect = "NoExecute").Should().BeTrue();
        Changed(n => n.Status.NodeInfo.Architecture = "arm64").Should().BeTrue();
        Changed(n => n.Metadata.DeletionTimestamp = DateTime.UtcNow).Should().BeTrue();
        Changed(n => n.Metadata.Uid = "u2").Should().BeTrue();
        Predicates.NodeChanged(new ObjectEvent<V1Node>(WatchEventType.Added, Node(), null)).Should().BeTrue();
    }
}
