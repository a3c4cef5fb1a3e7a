namespace Longshore.Testing;

/// <summary>
/// The shipped config as the test bed's kube-apiserver (1.20) can take it: it serves PodDisruptionBudget only as
/// <c>policy/v1beta1</c> (<c>policy/v1</c>, which config/ uses because 1.25 removed v1beta1, came in 1.21). The
/// fields the operator's budget uses (minAvailable, selector) mean the same in both.
/// </summary>
public static class TestBedManifests
{
    public static string ForApiServer(string builtYaml)
    {
        ArgumentNullException.ThrowIfNull(builtYaml);
        return builtYaml.Replace("apiVersion: policy/v1\nkind: PodDisruptionBudget", "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget", StringComparison.Ordinal);
    }
}
