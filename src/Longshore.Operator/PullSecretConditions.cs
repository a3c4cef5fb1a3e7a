using k8s.Models;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>The <c>PullSecretsReady</c> condition: present only on objects that name pull secrets or had a problem with them.</summary>
public static class PullSecretConditions
{
    public static void Apply(List<V1Condition>? conditions, IReadOnlyList<string>? problems, long? generation, DateTimeOffset now)
    {
        if (conditions is null)
        {
            return;
        }

        if (problems is null || problems.Count == 0)
        {
            if (conditions.Any(c => c.Type == PrePullConditions.PullSecretsReady))
            {
                Conditions.Set(conditions, PrePullConditions.PullSecretsReady, true, "SecretsUsable", "every named pull secret is usable", generation, now);
            }

            return;
        }

        Conditions.Set(conditions, PrePullConditions.PullSecretsReady, false, "SecretUnusable", string.Join("; ", problems), generation, now);
    }
}
