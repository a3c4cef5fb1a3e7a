using System.Text.Json;
using k8s;
using k8s.Autorest;
using Longshore.Api;
using Longshore.Oci;

namespace Longshore.Agent;

/// <summary>Credentials from the pull secret a wanted image names (the operator's copy in its own namespace).</summary>
public sealed class SecretPullCredentials(IKubernetes kubernetes) : IPullCredentials
{
    public async Task<RegistryCredential?> FindAsync(PullRequest request, CancellationToken cancellationToken)
    {
        if (request.Secret is not { } reference)
        {
            return null;
        }

        k8s.Models.V1Secret secret;
        try
        {
            secret = await kubernetes.CoreV1.ReadNamespacedSecretAsync(reference.Name, reference.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new PullSecretUnavailableException($"pull secret {reference.Namespace}/{reference.Name} cannot be read: {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}", e);
        }
        catch (HttpRequestException e)
        {
            throw new PullSecretUnavailableException($"pull secret {reference.Namespace}/{reference.Name} cannot be read: {e.Message}", e);
        }

        DockerConfig? config;
        try
        {
            config = PullSecrets.Parse(secret);
        }
        catch (Exception e) when (e is JsonException or FormatException or OciFormatException)
        {
            // The secret's content is never echoed: only that it is malformed.
            throw new PullSecretUnavailableException($"pull secret {reference.Namespace}/{reference.Name} is not a valid docker config", e);
        }

        // A secret without credentials for this registry means an anonymous pull, as kubelet does.
        return config?.Find(ImageReference.Parse(request.Reference).Domain);
    }
}
