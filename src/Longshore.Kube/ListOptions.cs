namespace Longshore.Kube;

/// <summary>Selectors that narrow a list or watch (the agent watches only its own NodeImage by <c>metadata.name</c>).</summary>
public sealed record ListOptions(string? FieldSelector = null, string? LabelSelector = null);
