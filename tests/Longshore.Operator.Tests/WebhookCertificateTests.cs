using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Operator.Tests;

/// <summary>
/// Self-managed webhook certificates against a real kube-apiserver, the operator running with config/rbac's
/// permissions only: with no Secret it makes one, writes the CA into the shipped webhook configurations, and the API
/// server then trusts the webhook; a replaced Secret is served without a restart; a reset caBundle is put back.
/// </summary>
public sealed class WebhookCertificateTests(KubeApiServerFixture fixture) : IClassFixture<KubeApiServerFixture>
{
    private const string SecretName = SelfManagedWebhook.SecretName;

    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60) => Poll.UntilAsync(probe, what, seconds, 200);

    [Fact]
    public async Task The_operator_makes_its_certificate_the_api_server_trusts_it_and_a_new_one_is_served_without_restart()
    {
        var api = fixture.Server;
        await OperatorInstall.InstallAsync(api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
        using var admin = api.CreateClient();
        var options = SelfManagedWebhook.Options();

        // Registered as shipped, without a caBundle: only the operator can make the API server trust it.
        await WebhookRegistration.RegisterAsync(admin, options.WebhookPort, caPem: null);
        (await ReadSecretAsync(admin)).Should().BeNull();
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        try
        {
            var first = await Eventually(() => ReadSecretAsync(admin), "the operator creates the certificate Secret");
            first.Type.Should().Be("kubernetes.io/tls");
            first.Data.Keys.Should().Contain(["tls.crt", "tls.key", "ca.crt"]);
            await Eventually(async () => await CaBundlesAsync(admin) is var bundles && bundles.All(b => b == Encoding.UTF8.GetString(first.Data["ca.crt"])) ? "written" : null, "the CA is in every webhook's caBundle");
            await DeniedAsync(admin, "first");
            (await ServedThumbprintAsync(options.WebhookPort, first)).Should().Be(Thumbprint(first));

            // A new certificate in the Secret (here: the Secret is deleted and made again with a new CA): the running
            // operator serves it and writes the new CA, and the API server still reaches the webhook.
            await admin.CoreV1.DeleteNamespacedSecretAsync(SecretName, OperatorInstall.Namespace);
            var second = await Eventually(async () => await ReadSecretAsync(admin) is { } s && Thumbprint(s) != Thumbprint(first) ? s : null, "the operator makes a new certificate");
            await Eventually(async () => await ServedThumbprintAsync(options.WebhookPort, second) == Thumbprint(second) ? "served" : null, "the operator serves the new certificate");
            await Eventually(async () => await CaBundlesAsync(admin) is var bundles && bundles.All(b => b == Encoding.UTF8.GetString(second.Data["ca.crt"])) ? "written" : null, "the new CA is in every webhook's caBundle");
            await DeniedAsync(admin, "second");

            // Someone resets a caBundle: the operator puts it back.
            await admin.AdmissionregistrationV1.PatchValidatingWebhookConfigurationAsync(
                new V1Patch("[{\"op\":\"remove\",\"path\":\"/webhooks/0/clientConfig/caBundle\"}]", V1Patch.PatchType.JsonPatch),
                options.ValidatingWebhookName);
            await Eventually(async () => await CaBundlesAsync(admin) is var bundles && bundles.All(b => b == Encoding.UTF8.GetString(second.Data["ca.crt"])) ? "restored" : null, "the operator restores the caBundle");
        }
        finally
        {
            await WebhookRegistration.UnregisterAsync(admin);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_mounted_certificate_is_served_again_when_its_files_change()
    {
        // cert-manager's layout: the kubelet rewrites the mounted Secret's files in place when the certificate is renewed.
        using var folder = TempDirectory.Create("longshore-webhook-cert");
        var names = new WebhookServingNames(["longshore-webhook.longshore-system.svc"], [System.Net.IPAddress.Loopback]);
        var first = WebhookTlsMaterial.Create(names, DateTimeOffset.UtcNow, new CertificateLifetimes()).ToSecretData();
        await WriteFolderAsync(folder.Path, first);
        var options = new OperatorOptions
        {
            // Its own namespace: the other test's Secret must not count.
            Namespace = "mounted-certificate",
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaderElection = false,
            WebhookCertificateDirectory = folder.Path,
            WebhookCertificateSecret = SecretName,
        };
        using var client = fixture.Server.CreateClient();
        await using var app = OperatorHost.Build(options, client);
        await app.StartAsync();
        try
        {
            var served = app.Services.GetRequiredService<WebhookCertificate>();
            served.CertificatePem.Should().Be(Encoding.UTF8.GetString(first["ca.crt"]));
            (await ServedThumbprintAsync(options.WebhookPort, first["ca.crt"])).Should().Be(Thumbprint(first["tls.crt"]));

            var second = WebhookTlsMaterial.Create(names, DateTimeOffset.UtcNow, new CertificateLifetimes()).ToSecretData();
            await WriteFolderAsync(folder.Path, second);
            await Eventually(async () => await ServedThumbprintAsync(options.WebhookPort, second["ca.crt"]) == Thumbprint(second["tls.crt"]) ? "served" : null, "the operator serves the new files");
            served.CertificatePem.Should().Be(Encoding.UTF8.GetString(second["ca.crt"]));
            (await ReadSecretAsync(client, options.Namespace)).Should().BeNull("with a mounted certificate the operator keeps no Secret of its own");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task WriteFolderAsync(string folder, IDictionary<string, byte[]> data)
    {
        foreach (var name in new[] { "tls.crt", "tls.key", "ca.crt" })
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, name), data[name]);
        }
    }

    private static async Task<V1Secret?> ReadSecretAsync(IKubernetes admin, string @namespace = OperatorInstall.Namespace)
    {
        try
        {
            return await admin.CoreV1.ReadNamespacedSecretAsync(SecretName, @namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string Thumbprint(V1Secret secret) => Thumbprint(secret.Data["tls.crt"]);

    private static string Thumbprint(byte[] pem) => X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(pem)).Thumbprint;

    private static async Task<List<string?>> CaBundlesAsync(IKubernetes admin)
    {
        var validating = await admin.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("longshore-validating-webhook");
        var mutating = await admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("longshore-mutating-webhook");
        return validating.Webhooks.Select(w => w.ClientConfig.CaBundle)
            .Concat(mutating.Webhooks.Select(w => w.ClientConfig.CaBundle))
            .Select(b => b is null ? null : Encoding.UTF8.GetString(b))
            .ToList();
    }

    /// <summary>The certificate the webhook port presents, if it verifies for 127.0.0.1 against the Secret's CA bundle.</summary>
    private static Task<string?> ServedThumbprintAsync(int port, V1Secret secret) => ServedThumbprintAsync(port, secret.Data["ca.crt"]);

    private static async Task<string?> ServedThumbprintAsync(int port, byte[] caPem)
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPem(Encoding.UTF8.GetString(caPem));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(trusted);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = policy });
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return null;
        }

        return tls.RemoteCertificate is { } certificate ? new X509Certificate2(certificate).Thumbprint : null;
    }

    /// <summary>The API server called the webhook (so trusted its certificate) and the webhook refused a bad ImagePrePull.</summary>
    private static async Task DeniedAsync(IKubernetes admin, string name) =>
        (await SelfManagedWebhook.RefusesInvalidAsync(new CustomResourceClient<V1Alpha1ImagePrePull>(admin), name)).Should().Contain("validate.longshore.io");
}
