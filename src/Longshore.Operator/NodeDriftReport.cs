namespace Longshore.Operator;

/// <summary>With ensureOnNodes: target nodes, nodes missing some pinned digest (per image too), and nodes still pulling.</summary>
public sealed record NodeDriftReport(int Targets, int Missing, IReadOnlyDictionary<string, int> ByImage, int Pulling)
{
    public static NodeDriftReport None { get; } = new(0, 0, new Dictionary<string, int>(), 0);
}
