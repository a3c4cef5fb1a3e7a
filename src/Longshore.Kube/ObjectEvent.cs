using k8s;
using k8s.Models;

namespace Longshore.Kube;

/// <summary>A change an informer saw: the object now (for a delete, its last state) and as the cache held it before (null when new).</summary>
public readonly record struct ObjectEvent<T>(WatchEventType Type, T Object, T? Previous)
    where T : IKubernetesObject<V1ObjectMeta>;
