namespace Longshore.Oci;

/// <summary>Credentials for one registry. <see cref="ToString"/> never shows secrets.</summary>
public sealed record RegistryCredential
{
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>An OAuth2 refresh token from <c>identitytoken</c>, exchanged at the token endpoint.</summary>
    public string? IdentityToken { get; init; }

    /// <summary>A bearer token sent to the registry as is (<c>registrytoken</c>).</summary>
    public string? RegistryToken { get; init; }

    public bool IsEmpty => Username is null && Password is null && IdentityToken is null && RegistryToken is null;

    public override string ToString() => $"RegistryCredential {{ Username = {Username ?? "<none>"}, secrets redacted }}";
}
