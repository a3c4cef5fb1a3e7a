using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// The planner's answer: the entries every NodeImage should hold (only those it touched), which target nodes now
/// carry the owner's images, and how many wait for a slot.
/// </summary>
public sealed record NodeImagePlan(IReadOnlyDictionary<string, ValueList<PlannedImage>> Desired, IReadOnlySet<string> Carrying, int Waiting);
