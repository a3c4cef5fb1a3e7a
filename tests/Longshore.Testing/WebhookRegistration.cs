using System.Text;
using k8s;
using k8s.Models;
using Longshore.TestBed;

namespace Longshore.Testing;

/// <summary>
/// Registers the shipped webhook configurations (config/webhook/manifests.yaml: rules, selectors, failure policies,
/// timeouts as a user installs them) with the API server, pointed at an operator serving on <c>https://ADDRESS:PORT</c>
/// with the given CA instead of the in-cluster Service; without a CA, the caBundle is left for the operator to write.
/// <c>webhooks</c> picks some of the shipped webhooks by name; a configuration left with none is not registered.
/// </summary>
public static class WebhookRegistration
{
    public static async Task RegisterAsync(IKubernetes admin, int port, string? caPem, string address = "127.0.0.1", Func<string, bool>? webhooks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var objects = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(KubeApiServer.RepositoryFile("config/webhook/manifests.yaml"), cancellationToken));
        var ca = caPem is null ? null : Encoding.UTF8.GetBytes(caPem);
        await UnregisterAsync(admin, cancellationToken);
        Admissionregistrationv1WebhookClientConfig Local(Admissionregistrationv1WebhookClientConfig shipped) =>
            new() { Url = $"https://{address}:{port}{shipped.Service.Path}", CaBundle = ca };
        var wanted = webhooks ?? (_ => true);
        foreach (var item in objects)
        {
            switch (item)
            {
                case V1ValidatingWebhookConfiguration validating:
                    validating.Webhooks = validating.Webhooks.Where(w => wanted(w.Name)).ToList();
                    if (validating.Webhooks.Count == 0)
                    {
                        break;
                    }

                    foreach (var webhook in validating.Webhooks)
                    {
                        webhook.ClientConfig = Local(webhook.ClientConfig);
                    }

                    await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(validating, cancellationToken: cancellationToken);
                    break;
                case V1MutatingWebhookConfiguration mutating:
                    mutating.Webhooks = mutating.Webhooks.Where(w => wanted(w.Name)).ToList();
                    if (mutating.Webhooks.Count == 0)
                    {
                        break;
                    }

                    foreach (var webhook in mutating.Webhooks)
                    {
                        webhook.ClientConfig = Local(webhook.ClientConfig);
                    }

                    await admin.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(mutating, cancellationToken: cancellationToken);
                    break;
            }
        }
    }

    /// <summary>Removes the shipped webhook configurations, so that no call goes to an operator that has stopped.</summary>
    public static async Task UnregisterAsync(IKubernetes admin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        foreach (var item in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(KubeApiServer.RepositoryFile("config/webhook/manifests.yaml"), cancellationToken)))
        {
            try
            {
                switch (item)
                {
                    case V1ValidatingWebhookConfiguration validating:
                        await admin.AdmissionregistrationV1.DeleteValidatingWebhookConfigurationAsync(validating.Metadata.Name, cancellationToken: cancellationToken);
                        break;
                    case V1MutatingWebhookConfiguration mutating:
                        await admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(mutating.Metadata.Name, cancellationToken: cancellationToken);
                        break;
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }
        }
    }
}
