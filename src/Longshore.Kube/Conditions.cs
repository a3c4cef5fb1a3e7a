using k8s.Models;

namespace Longshore.Kube;

/// <summary>Kubernetes-style conditions: lastTransitionTime changes only when the status flips.</summary>
public static class Conditions
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    /// <summary>Sets a condition in <paramref name="conditions"/>; returns whether anything changed.</summary>
    public static bool Set(IList<V1Condition> conditions, string type, bool status, string reason, string message, long? observedGeneration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var value = status ? True : False;
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            conditions.Add(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = observedGeneration, LastTransitionTime = now.UtcDateTime });
            return true;
        }

        var changed = existing.Status != value || existing.Reason != reason || existing.Message != message || existing.ObservedGeneration != observedGeneration;
        if (existing.Status != value)
        {
            existing.LastTransitionTime = now.UtcDateTime;
        }

        existing.Status = value;
        existing.Reason = reason;
        existing.Message = message;
        existing.ObservedGeneration = observedGeneration;
        return changed;
    }

    /// <summary>Removes a condition; returns whether it was there.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        return existing is not null && conditions.Remove(existing);
    }

    /// <summary>A deep copy to build new status from: objects in an informer's cache are shared and never changed in place.</summary>
    public static List<V1Condition> Copy(IEnumerable<V1Condition>? conditions) =>
        (conditions ?? []).Select(c => new V1Condition { Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, ObservedGeneration = c.ObservedGeneration, LastTransitionTime = c.LastTransitionTime }).ToList();

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type)?.Status == True;
}
