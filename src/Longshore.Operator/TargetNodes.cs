using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>
/// Which nodes an ImagePrePull (or an ImagePolicy with ensureOnNodes) targets: selected by labels or by name, and not
/// repelled by an untolerated taint.
/// </summary>
public static class TargetNodes
{
    public static IReadOnlyList<V1Node> Select(ImagePrePullSpec spec, IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Select(spec.NodeSelector, spec.NodeNames, spec.Tolerations, nodes);
    }

    /// <summary>The nodes an ImagePolicy keeps its pinned digests on: those its nodeSelector selects (all when unset).</summary>
    public static IReadOnlyList<V1Node> Select(ImagePolicySpec spec, IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.EnsureOnNodes ? Select(spec.NodeSelector, null, null, nodes) : [];
    }

    public static IReadOnlyList<V1Node> Select(V1LabelSelector? selector, IList<string>? nodeNames, IList<V1Toleration>? tolerations, IEnumerable<V1Node> nodes)
    {
        var names = new HashSet<string>(nodeNames ?? [], StringComparer.Ordinal);
        var bySelector = selector is not null || names.Count == 0;
        return nodes
            .Where(n => names.Contains(n.Metadata.Name) || (bySelector && LabelSelectors.Matches(selector, n.Metadata.Labels)))
            .Where(n => Tolerated(n, tolerations))
            .OrderBy(n => n.Metadata.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Taints the node lifecycle puts on nodes by condition. The agent is a DaemonSet, which tolerates these, and warming
    /// a node that is still joining is the point of pre-pulling, so they never exclude a node.
    /// </summary>
    public static readonly IReadOnlySet<string> ConditionTaints = new HashSet<string>(StringComparer.Ordinal)
    {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/unschedulable",
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/network-unavailable",
    };

    /// <summary>True when every NoSchedule/NoExecute taint of the node (other than condition taints) is tolerated.</summary>
    public static bool Tolerated(V1Node node, IList<V1Toleration>? tolerations) =>
        (node.Spec?.Taints ?? []).Where(t => t.Effect is "NoSchedule" or "NoExecute" && !ConditionTaints.Contains(t.Key))
            .All(taint => (tolerations ?? []).Any(toleration => Tolerates(toleration, taint)));

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (string.IsNullOrEmpty(toleration.Key))
        {
            return toleration.OperatorProperty == "Exists";
        }

        return toleration.Key == taint.Key && (toleration.OperatorProperty == "Exists" || (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty));
    }

    /// <summary>The node's platform from the well-known labels (or its node info), the spec's override winning.</summary>
    public static Platform PlatformOf(V1Node node, string? overridePlatform)
    {
        if (overridePlatform is not null)
        {
            return Platform.Parse(overridePlatform);
        }

        // Kubelet sets the labels; a Node without them (or with an empty nodeInfo, as the API server defaults it) is linux/amd64.
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var os = FirstSet(labels.TryGetValue("kubernetes.io/os", out var o) ? o : null, node.Status?.NodeInfo?.OperatingSystem) ?? "linux";
        var arch = FirstSet(labels.TryGetValue("kubernetes.io/arch", out var a) ? a : null, node.Status?.NodeInfo?.Architecture) ?? "amd64";
        return new Platform(os, arch, arch == "arm" ? "v7" : null);
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
