using Longshore.Oci;

namespace Longshore.Agent;

/// <summary>Where the registry credentials of a pull come from (in a cluster: a copied pull secret). Never logged.</summary>
public interface IPullCredentials
{
    /// <summary>The credentials for the request's registry, or null for an anonymous pull; <see cref="PullSecretUnavailableException"/> when the secret cannot be read.</summary>
    Task<RegistryCredential?> FindAsync(PullRequest request, CancellationToken cancellationToken);
}
