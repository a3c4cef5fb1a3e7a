using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Longshore.Operator;

/// <summary>
/// The certificate the webhook serves right now, read by Kestrel at every TLS handshake so that a renewed certificate
/// is served without a restart. It comes from one of three places: the Secret the operator keeps itself (the default
/// in a cluster, <see cref="WebhookCertificateRenewal"/>), a mounted folder with tls.crt and tls.key such as a
/// cert-manager Secret (<see cref="WebhookCertificateFiles"/>), or a self-signed one generated at start-up for local
/// runs and tests (SANs: 127.0.0.1, localhost, the Service names and the extra names).
/// </summary>
public sealed class WebhookCertificate
{
    private volatile Served? _current;

    /// <summary>The serving certificate with its key; null until the first one is loaded.</summary>
    public X509Certificate2? Certificate => _current?.Certificate;

    /// <summary>PEM of what the API server must trust (a webhook configuration's caBundle); empty until loaded.</summary>
    public string CertificatePem => _current?.TrustPem ?? string.Empty;

    public bool Ready => _current is not null;

    /// <summary>
    /// Serves <paramref name="certificate"/> from the next handshake on. The previous certificate is not disposed:
    /// handshakes under way may still hold it.
    /// </summary>
    public void Serve(X509Certificate2 certificate, string trustPem) => _current = new Served(certificate, trustPem);

    /// <summary>A certificate from the folder or a generated one; for the self-kept Secret, an empty holder that the renewal fills.</summary>
    public static WebhookCertificate Load(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var holder = new WebhookCertificate();
        if (options.WebhookCertificateDirectory is { } directory)
        {
            var (certificate, trust) = ReadFolder(directory);
            holder.Serve(certificate, trust);
        }
        else if (options.WebhookCertificateSecret is null)
        {
            var (certificate, pem) = SelfSigned(options);
            holder.Serve(certificate, pem);
        }

        return holder;
    }

    /// <summary>tls.crt and tls.key from <paramref name="directory"/>; the trust PEM is ca.crt when present, else tls.crt.</summary>
    public static (X509Certificate2 Certificate, string TrustPem) ReadFolder(string directory)
    {
        var crt = File.ReadAllText(Path.Combine(directory, "tls.crt"));
        var key = File.ReadAllText(Path.Combine(directory, "tls.key"));
        var ca = Path.Combine(directory, "ca.crt");
        return (Usable(crt, key), File.Exists(ca) ? File.ReadAllText(ca) : crt);
    }

    /// <summary>A certificate with its private key in the form Kestrel can use on Linux (exportable, from PKCS#12).</summary>
    public static X509Certificate2 Usable(string certificatePem, string keyPem)
    {
        using var loaded = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
    }

    private static (X509Certificate2 Certificate, string Pem) SelfSigned(OperatorOptions options)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=longshore-webhook", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        var wanted = WebhookServingNames.For(options);
        names.AddIpAddress(IPAddress.Loopback);
        // Listening on one other address (e.g. a node's link in tests), the API server reaches it by that IP.
        if (IPAddress.TryParse(options.ListenAddress, out var listen) && !IPAddress.IsLoopback(listen) && !listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
        {
            names.AddIpAddress(listen);
        }

        foreach (var address in wanted.Addresses.Where(a => !IPAddress.IsLoopback(a) && !a.Equals(listen)))
        {
            names.AddIpAddress(address);
        }

        names.AddDnsName("localhost");
        foreach (var dns in wanted.DnsNames)
        {
            names.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        return (certificate, generated.ExportCertificatePem());
    }

    private sealed record Served(X509Certificate2 Certificate, string TrustPem);
}
