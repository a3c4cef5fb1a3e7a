using Longshore.Oci;

namespace Longshore.Operator;

/// <summary>The merged credentials of an object's usable pull secrets, and one message per secret that cannot be used.</summary>
public sealed record PullCredentials(DockerConfig Config, IReadOnlyList<string> Problems);
