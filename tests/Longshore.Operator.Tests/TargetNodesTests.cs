using k8s.Models;
using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class TargetNodesTests
{
    private static V1Node Node(string name, Dictionary<string, string>? labels = null, params V1Taint[] taints) =>
        new() { Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? [] }, Spec = new V1NodeSpec { Taints = taints } };

    [Fact]
    public void Selector_names_and_taints_decide()
    {
        var nodes = new[]
        {
            Node("a", new() { ["pool"] = "web" }),
            Node("b", new() { ["pool"] = "db" }),
            Node("c", new() { ["pool"] = "web" }, new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }),
            Node("d", new() { ["pool"] = "web" }, new V1Taint { Key = "soft", Effect = "PreferNoSchedule" }),
        };
        var spec = new ImagePrePullSpec { Images = ["app"], NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["pool"] = "web" } } };
        TargetNodes.Select(spec, nodes).Select(n => n.Metadata.Name).Should().Equal("a", "d");

        spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "gpu", Effect = "NoSchedule" }];
        TargetNodes.Select(spec, nodes).Select(n => n.Metadata.Name).Should().Equal("a", "c", "d");

        var byName = new ImagePrePullSpec { Images = ["app"], NodeNames = ["b"] };
        TargetNodes.Select(byName, nodes).Select(n => n.Metadata.Name).Should().Equal("b");
        TargetNodes.Select(new ImagePrePullSpec { Images = ["app"] }, nodes).Select(n => n.Metadata.Name).Should().Equal("a", "b", "d");
    }

    [Fact]
    public void Condition_taints_do_not_exclude_a_node()
    {
        var joining = Node("new", new() { ["pool"] = "web" }, new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoSchedule" });
        TargetNodes.Select(new ImagePrePullSpec { Images = ["app"] }, [joining]).Should().ContainSingle();
    }

    [Fact]
    public void Tolerate_everything_with_an_empty_key_and_exists()
    {
        var taint = new V1Taint { Key = "any", Value = "x", Effect = "NoExecute" };
        TargetNodes.Tolerates(new V1Toleration { OperatorProperty = "Exists" }, taint).Should().BeTrue();
        TargetNodes.Tolerates(new V1Toleration { Key = "any", OperatorProperty = "Exists", Effect = "NoSchedule" }, taint).Should().BeFalse();
        TargetNodes.Tolerates(new V1Toleration { Key = "any", OperatorProperty = "Equal", Value = "y" }, taint).Should().BeFalse();
    }

    [Fact]
    public void Platform_comes_from_labels_or_the_override()
    {
        var node = Node("n", new() { ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "arm64" });
        TargetNodes.PlatformOf(node, null).ToString().Should().Be("linux/arm64");
        TargetNodes.PlatformOf(node, "linux/amd64").ToString().Should().Be("linux/amd64");
        TargetNodes.PlatformOf(Node("bare"), null).ToString().Should().Be("linux/amd64");

        // The API server gives a Node created without kubelet an empty nodeInfo, not a missing one.
        var unreported = Node("unreported");
        unreported.Status = new V1NodeStatus { NodeInfo = new V1NodeSystemInfo { OperatingSystem = string.Empty, Architecture = string.Empty } };
        TargetNodes.PlatformOf(unreported, null).ToString().Should().Be("linux/amd64");
        unreported.Status.NodeInfo.Architecture = "arm64";
        TargetNodes.PlatformOf(unreported, null).ToString().Should().Be("linux/arm64");
    }

    [Fact]
    public void Admission_rules_reject_with_field_paths()
    {
        var problems = AdmissionEndpoint.Validate("ImagePrePull", """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"x"},"spec":{"images":["Bad/Ref"],"parallelism":0}}""");
        problems.Should().Contain(p => p.StartsWith("spec.images[0]:", StringComparison.Ordinal));
        problems.Should().Contain(p => p.StartsWith("spec.parallelism:", StringComparison.Ordinal));
        AdmissionEndpoint.Validate("ConfigMap", "{}").Should().BeEmpty();
    }
}
