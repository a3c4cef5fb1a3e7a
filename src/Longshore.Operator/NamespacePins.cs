using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>The Pin and Enforce policies of one namespace, in name order, so the first that covers an image decides.</summary>
public sealed record NamespacePins(IReadOnlyList<PolicyPins> Policies)
{
    public static NamespacePins Empty { get; } = new([]);

    /// <summary>The pin of the first <paramref name="mode"/> policy that selects the Pod and covers the repository.</summary>
    public ImagePin? Find(string mode, IDictionary<string, string>? podLabels, string repository)
    {
        foreach (var policy in Policies)
        {
            if (policy.Mode == mode && policy.ByRepository.TryGetValue(repository, out var pin) && LabelSelectors.Matches(policy.PodSelector, podLabels))
            {
                return pin;
            }
        }

        return null;
    }

    public bool Has(string mode) => Policies.Any(p => p.Mode == mode);
}
