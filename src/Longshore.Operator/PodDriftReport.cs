using Longshore.Api;

namespace Longshore.Operator;

/// <summary>Containers off their lock: how many in all, how many per locked image, and a bounded sample to show.</summary>
public sealed record PodDriftReport(int Count, IReadOnlyDictionary<string, int> ByImage, IReadOnlyList<PodDrift> Sample);
