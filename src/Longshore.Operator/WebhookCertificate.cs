using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Longshore.Operator;

/// <summary>
/// The webhook's serving certificate: tls.crt/tls.key from a mounted Secret (cert-manager's layout), or a self-signed
/// one generated at start-up for development (SANs: 127.0.0.1, localhost and the in-cluster service names).
/// </summary>
public sealed class WebhookCertificate
{
    private WebhookCertificate(X509Certificate2 certificate, string pem)
    {
        Certificate = certificate;
        CertificatePem = pem;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>PEM of the certificate, for a webhook configuration's caBundle.</summary>
    public string CertificatePem { get; }

    public static WebhookCertificate Load(OperatorOptions options)
    {
        if (options.WebhookCertificateDirectory is { } directory)
        {
            var crt = Path.Combine(directory, "tls.crt");
            var key = Path.Combine(directory, "tls.key");
            var loaded = X509Certificate2.CreateFromPemFile(crt, key);
            // Kestrel on Linux needs the key in an exportable, persisted form.
            var usable = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            return new WebhookCertificate(usable, File.ReadAllText(crt));
        }

        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=longshore-webhook", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        // Listening on one other address (e.g. a node's link in tests), the API server reaches it by that IP.
        if (IPAddress.TryParse(options.ListenAddress, out var listen) && !IPAddress.IsLoopback(listen) && !listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
        {
            names.AddIpAddress(listen);
        }

        names.AddDnsName("localhost");
        names.AddDnsName($"longshore-webhook.{options.Namespace}.svc");
        names.AddDnsName($"longshore-webhook.{options.Namespace}.svc.cluster.local");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        return new WebhookCertificate(certificate, generated.ExportCertificatePem());
    }
}
