using System.Collections.Concurrent;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// The Pin and Enforce pins of every namespace, kept from the shared ImagePolicy informer: each change rebuilds its
/// namespace's snapshot once, so admission is a dictionary look-up per container and never calls the API server or a
/// registry. Audit policies are left out: admission has nothing to do for them.
/// </summary>
public sealed class PolicyLockCache
{
    private readonly Informer<V1Alpha1ImagePolicy> _policies;
    private readonly ConcurrentDictionary<string, NamespacePins> _byNamespace = new(StringComparer.Ordinal);
    private readonly Lock _rebuild = new();

    public PolicyLockCache(InformerRegistry informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        _policies = informers.For<V1Alpha1ImagePolicy>();
        _policies.OnEvent((_, policy) => Rebuild(policy.Metadata.NamespaceProperty ?? string.Empty));
        foreach (var ns in _policies.Cache.Items.Select(p => p.Metadata.NamespaceProperty ?? string.Empty).Distinct())
        {
            Rebuild(ns);
        }
    }

    /// <summary>Whether the informer has listed: before that an empty answer could let an unpinned Pod through.</summary>
    public bool Ready => _policies.Synced.IsCompletedSuccessfully;

    public NamespacePins For(string ns) => _byNamespace.TryGetValue(ns, out var pins) ? pins : NamespacePins.Empty;

    /// <summary>The namespace's Pin and Enforce policies as they stand in the cache, in name order.</summary>
    public static NamespacePins Build(IEnumerable<V1Alpha1ImagePolicy> policies) => new(
        policies
            .Where(p => p.Spec.Mode is PolicyPins.Pin or PolicyPins.Enforce && p.Metadata.DeletionTimestamp is null)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(PolicyPins.From)
            .ToList());

    private void Rebuild(string ns)
    {
        // Serialised, so two events of one namespace cannot store their snapshots in the wrong order.
        lock (_rebuild)
        {
            var pins = Build(_policies.Cache.Items.Where(p => (p.Metadata.NamespaceProperty ?? string.Empty) == ns));
            if (pins.Policies.Count == 0)
            {
                _byNamespace.TryRemove(ns, out _);
            }
            else
            {
                _byNamespace[ns] = pins;
            }
        }
    }
}
