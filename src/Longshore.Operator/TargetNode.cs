namespace Longshore.Operator;

/// <summary>A node an ImagePrePull targets: its name, the platform it pulls, and how far it is (from its NodeImage status).</summary>
public sealed record TargetNode(string Name, string Platform, NodePhase Phase);
