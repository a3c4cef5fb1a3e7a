using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// The labels the operator keeps on namespaces that have Pin or Enforce ImagePolicies, so the Pod webhooks' namespace
/// selectors send the API server to the operator only for those namespaces; everywhere else Pod creation never waits
/// on it.
/// </summary>
public static class NamespacePolicyLabels
{
    public const string Pin = "longshore.io/pin";
    public const string Enforce = "longshore.io/enforce";

    /// <summary>The two labels as the namespace's policies want them: "true" when one policy has that mode, else absent (null).</summary>
    public static IReadOnlyDictionary<string, string?> Desired(IEnumerable<V1Alpha1ImagePolicy> policies)
    {
        var live = policies.Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Spec.Mode).ToHashSet(StringComparer.Ordinal);
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [Pin] = live.Contains(PolicyPins.Pin) ? "true" : null,
            [Enforce] = live.Contains(PolicyPins.Enforce) ? "true" : null,
        };
    }

    /// <summary>The labels to change (null removes), empty when the namespace already carries the desired ones.</summary>
    public static IReadOnlyDictionary<string, string?> Changes(IReadOnlyDictionary<string, string?> desired, IDictionary<string, string>? current)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in desired)
        {
            var has = current is not null && current.TryGetValue(key, out var actual) ? actual : null;
            if (has != value)
            {
                changes[key] = value;
            }
        }

        return changes;
    }
}
