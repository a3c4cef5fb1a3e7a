using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>An operator keeping its own webhook certificate on loopback, and the probe that shows the API server reaches its webhook.</summary>
internal static class SelfManagedWebhook
{
    public const string SecretName = "longshore-webhook-tls";

    public static OperatorOptions Options() => new()
    {
        Namespace = OperatorInstall.Namespace,
        ListenAddress = "127.0.0.1",
        MetricsPort = FreePort.Next(),
        WebhookPort = FreePort.Next(),
        LeaderElection = false,
        WebhookCertificateSecret = SecretName,
        // The API server calls the webhook by URL here (no Service routing), so the certificate must name the address.
        WebhookExtraNames = ["127.0.0.1"],
    };

    /// <summary>The API server's refusal of an invalid ImagePrePull (an upper-case repository), or null if it was stored.</summary>
    public static async Task<string?> TryCreateInvalidAsync(CustomResourceClient<V1Alpha1ImagePrePull> prePulls, string name = "bad")
    {
        try
        {
            await prePulls.CreateAsync(new V1Alpha1ImagePrePull { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Spec = new ImagePrePullSpec { Images = ["Shop/Web:1"] } });
            return null;
        }
        catch (HttpOperationException e)
        {
            return e.Response.Content;
        }
    }

    /// <summary>
    /// Waits until the API server calls the webhook (so it trusts the certificate) and the webhook refuses an invalid
    /// ImagePrePull; before that the API server fails to call it. Returns the refusal.
    /// </summary>
    public static Task<string> RefusesInvalidAsync(CustomResourceClient<V1Alpha1ImagePrePull> prePulls, string name = "bad") =>
        Poll.UntilAsync(
            async () => await TryCreateInvalidAsync(prePulls, name) is { } refusal && refusal.Contains("ImagePrePull is invalid", StringComparison.Ordinal) ? refusal : null,
            "the API server calls the webhook and it refuses the invalid ImagePrePull",
            60,
            200);
}
