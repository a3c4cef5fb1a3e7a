namespace Longshore.Kube;

/// <summary>namespace/name of an object (namespace empty for cluster-scoped kinds): what a queue holds and a reconciler gets.</summary>
public readonly record struct ResourceKey(string Namespace, string Name)
{
    public static ResourceKey Of(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> item) => new(item.Metadata.NamespaceProperty ?? string.Empty, item.Metadata.Name);

    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}
