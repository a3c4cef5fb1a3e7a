using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// Limits an administrator sets so that teams sharing a cluster cannot crowd each other out: which namespaces may pin
/// images (ImagePrePull <c>pin</c>, ImagePolicy <c>ensureOnNodes</c>), which may tolerate taints (ImagePrePull
/// <c>tolerations</c>), and how many images one NodeImage may want. The webhook refuses objects that break them; the
/// planner enforces them again for objects admitted before a limit was set. Pure.
/// </summary>
/// <param name="PinNamespaces">Namespaces allowed to pin; null allows every namespace.</param>
/// <param name="TolerationNamespaces">Namespaces allowed to tolerate taints; null allows every namespace.</param>
/// <param name="MaxImagesPerNode">Most entries a NodeImage holds, which also keeps it far below the API server's object size.</param>
public sealed record TenantLimits(IReadOnlyList<string>? PinNamespaces = null, IReadOnlyList<string>? TolerationNamespaces = null, int MaxImagesPerNode = TenantLimits.DefaultMaxImagesPerNode)
{
    /// <summary>About 1,000 entries of a few hundred bytes each stay well under etcd's 1.5 MiB per object.</summary>
    public const int DefaultMaxImagesPerNode = 1000;

    public bool MayPin(string @namespace) => PinNamespaces is null || PinNamespaces.Contains(@namespace, StringComparer.Ordinal);

    public bool MayTolerate(string @namespace) => TolerationNamespaces is null || TolerationNamespaces.Contains(@namespace, StringComparer.Ordinal);

    /// <summary>What an ImagePrePull asks beyond its namespace's limits, as "field: message".</summary>
    public IReadOnlyList<string> Check(string @namespace, ImagePrePullSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        if (spec.Pin && !MayPin(@namespace))
        {
            problems.Add($"spec.pin: namespace {@namespace} may not pin images ({Allowed("--pin-namespace", PinNamespaces)}); set pin: false");
        }

        if (spec.Tolerations is { Count: > 0 } && !MayTolerate(@namespace))
        {
            problems.Add($"spec.tolerations: namespace {@namespace} may not tolerate node taints ({Allowed("--toleration-namespace", TolerationNamespaces)}); remove the tolerations");
        }

        if (spec.Images.Count > MaxImagesPerNode)
        {
            problems.Add($"spec.images: {spec.Images.Count} images exceed the cap of {MaxImagesPerNode} images per node (--max-images-per-node)");
        }

        return problems;
    }

    /// <summary>What an ImagePolicy asks beyond its namespace's limits: ensureOnNodes pins the locked digests on nodes.</summary>
    public IReadOnlyList<string> Check(string @namespace, ImagePolicySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.EnsureOnNodes && !MayPin(@namespace)
            ? [$"spec.ensureOnNodes: namespace {@namespace} may not pin images on nodes ({Allowed("--pin-namespace", PinNamespaces)}); set ensureOnNodes: false"]
            : [];
    }

    /// <summary>The spec the planner may act on: without the pin and tolerations the namespace may not have.</summary>
    public ImagePrePullSpec Effective(string @namespace, ImagePrePullSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (MayPin(@namespace) && MayTolerate(@namespace))
        {
            return spec;
        }

        var copy = k8s.KubernetesJson.Deserialize<ImagePrePullSpec>(k8s.KubernetesJson.Serialize(spec));
        copy.Pin = spec.Pin && MayPin(@namespace);
        copy.Tolerations = MayTolerate(@namespace) ? spec.Tolerations : null;
        return copy;
    }

    private static string Allowed(string flag, IReadOnlyList<string>? namespaces) =>
        namespaces is { Count: > 0 } ? $"{flag} allows {string.Join(", ", namespaces)}" : $"{flag} allows none";
}
