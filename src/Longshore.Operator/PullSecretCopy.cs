namespace Longshore.Operator;

/// <summary>An object's merged pull-secret copy (null when none of its secrets is usable) and what is wrong with the rest.</summary>
public sealed record PullSecretCopy((string Namespace, string Name)? Copy, IReadOnlyList<string> Problems);
