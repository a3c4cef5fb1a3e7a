namespace Longshore.TestBed;

/// <summary>A user the test API server knows by token: tests bind RBAC to it to check least privilege for real.</summary>
public sealed record KubeIdentity(string Name, string Token, IReadOnlyList<string> Groups);
