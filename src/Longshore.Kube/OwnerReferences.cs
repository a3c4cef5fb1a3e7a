using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>Owner references, so the garbage collector removes what an object created when the object goes.</summary>
public static class OwnerReferences
{
    public static V1OwnerReference For(IKubernetesObject<V1ObjectMeta> owner, bool controller = true) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = controller,
        BlockOwnerDeletion = false,
    };

    public static bool IsOwnedBy(IKubernetesObject<V1ObjectMeta> item, IKubernetesObject<V1ObjectMeta> owner) =>
        item.Metadata.OwnerReferences?.Any(r => r.Uid == owner.Metadata.Uid) == true;
}
