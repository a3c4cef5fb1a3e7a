namespace Longshore.Runtime;

/// <summary>Which runtime this is (containerd, cri-o, embedded) and its version.</summary>
public sealed record RuntimeInfo(string Name, string Version, bool PinningSupported);
