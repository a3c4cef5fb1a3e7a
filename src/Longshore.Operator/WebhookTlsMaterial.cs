using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Longshore.Operator;

/// <summary>
/// The operator's own CA and the webhook's serving certificate, as kept in a <c>kubernetes.io/tls</c> Secret:
/// <c>tls.crt</c>/<c>tls.key</c> (serving), <c>ca.crt</c> (every CA to trust: the signing one, a staged one, retired
/// ones), <c>ca.key</c> (the signing CA's key) and, during a rotation, <c>ca-staged.key</c>. Keys are ECDSA P-256.
/// Immutable: each renewal step returns new material.
/// </summary>
public sealed class WebhookTlsMaterial
{
    public const string ServingCertificateKey = "tls.crt";
    public const string ServingPrivateKeyKey = "tls.key";
    public const string TrustBundleKey = "ca.crt";
    public const string CaPrivateKeyKey = "ca.key";
    public const string StagedCaPrivateKeyKey = "ca-staged.key";

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private WebhookTlsMaterial(Authority ca, Authority? staged, IReadOnlyList<X509Certificate2> retired, X509Certificate2 serving, string servingKeyPem)
    {
        Ca = ca;
        Staged = staged;
        Retired = retired;
        Serving = serving;
        ServingKeyPem = servingKeyPem;
    }

    /// <summary>The certificate that serves the webhook (public part only).</summary>
    public X509Certificate2 Serving { get; }

    /// <summary>PEM of every CA the webhook configurations' caBundle must hold.</summary>
    public string TrustBundlePem =>
        string.Concat(new[] { Ca.Certificate }.Concat(Staged is null ? [] : [Staged.Certificate]).Concat(Retired).Select(c => c.ExportCertificatePem() + "\n"));

    private Authority Ca { get; }

    private Authority? Staged { get; }

    private IReadOnlyList<X509Certificate2> Retired { get; }

    private string ServingKeyPem { get; }

    /// <summary>A new CA and a serving certificate it signed.</summary>
    public static WebhookTlsMaterial Create(WebhookServingNames names, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        ArgumentNullException.ThrowIfNull(lifetimes);
        var ca = Authority.Create(now, lifetimes);
        var (serving, key) = Issue(ca, names, now, lifetimes);
        return new WebhookTlsMaterial(ca, null, [], serving, key);
    }

    /// <summary>The material from a Secret's data; null when a part is missing or does not parse (it is then replaced).</summary>
    public static WebhookTlsMaterial? FromSecretData(IDictionary<string, byte[]>? data)
    {
        if (data is null
            || !data.TryGetValue(ServingCertificateKey, out var servingPem) || !data.TryGetValue(ServingPrivateKeyKey, out var servingKey)
            || !data.TryGetValue(TrustBundleKey, out var bundlePem) || !data.TryGetValue(CaPrivateKeyKey, out var caKeyPem))
        {
            return null;
        }

        try
        {
            var bundle = new X509Certificate2Collection();
            bundle.ImportFromPem(Encoding.UTF8.GetString(bundlePem));
            var caKey = LoadKey(caKeyPem);
            var ca = Authority.Find(bundle, caKey);
            var staged = data.TryGetValue(StagedCaPrivateKeyKey, out var stagedKeyPem) ? Authority.Find(bundle, LoadKey(stagedKeyPem)) : null;
            if (ca is null)
            {
                return null;
            }

            var serving = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(servingPem));
            var keyPem = Encoding.UTF8.GetString(servingKey);
            using var servingKeyCheck = LoadKey(servingKey);
            if (!SamePublicKey(serving, servingKeyCheck))
            {
                return null;
            }

            var retired = bundle.Where(c => c.Thumbprint != ca.Certificate.Thumbprint && c.Thumbprint != staged?.Certificate.Thumbprint).ToList();
            return new WebhookTlsMaterial(ca, staged, retired, serving, keyPem);
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public Dictionary<string, byte[]> ToSecretData()
    {
        var data = new Dictionary<string, byte[]>
        {
            [ServingCertificateKey] = Encoding.UTF8.GetBytes(Serving.ExportCertificatePem() + "\n"),
            [ServingPrivateKeyKey] = Encoding.UTF8.GetBytes(ServingKeyPem),
            [TrustBundleKey] = Encoding.UTF8.GetBytes(TrustBundlePem),
            [CaPrivateKeyKey] = Encoding.UTF8.GetBytes(Ca.KeyPem),
        };
        if (Staged is not null)
        {
            data[StagedCaPrivateKeyKey] = Encoding.UTF8.GetBytes(Staged.KeyPem);
        }

        return data;
    }

    /// <summary>The serving certificate with its key, as Kestrel needs it.</summary>
    public X509Certificate2 ServingWithKey() => WebhookCertificate.Usable(Serving.ExportCertificatePem(), ServingKeyPem);

    public WebhookCertificateFacts Facts(WebhookServingNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var san = Serving.Extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17") is { } raw ? new X509SubjectAlternativeNameExtension(raw.RawData, raw.Critical) : null;
        var namesMatch = san is not null && names.SameAs(san.EnumerateDnsNames(), san.EnumerateIPAddresses());
        var authorityKey = Serving.Extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.35") is { } aki
            ? new X509AuthorityKeyIdentifierExtension(aki.RawData, aki.Critical).KeyIdentifier
            : null;
        var issuedByCa = Serving.IssuerName.RawData.AsSpan().SequenceEqual(Ca.Certificate.SubjectName.RawData)
            && authorityKey is { } id && id.Span.SequenceEqual(Ca.KeyIdentifier);
        return new WebhookCertificateFacts(
            Validity(Ca.Certificate),
            Validity(Serving),
            issuedByCa,
            namesMatch,
            Staged is null ? null : Validity(Staged.Certificate),
            Retired.Select(Validity).ToList());
    }

    /// <summary>The material after <paramref name="step"/>; <see cref="CertificateRenewalStep.None"/> returns it unchanged.</summary>
    public WebhookTlsMaterial Apply(CertificateRenewalStep step, WebhookServingNames names, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        switch (step)
        {
            case CertificateRenewalStep.None:
                return this;
            case CertificateRenewalStep.Create:
                return Create(names, now, lifetimes);
            case CertificateRenewalStep.RenewServing:
                var (serving, key) = Issue(Ca, names, now, lifetimes);
                return new WebhookTlsMaterial(Ca, Staged, Retired, serving, key);
            case CertificateRenewalStep.StageCa:
                return new WebhookTlsMaterial(Ca, Authority.Create(now, lifetimes), Retired, Serving, ServingKeyPem);
            case CertificateRenewalStep.PromoteCa when Staged is not null:
                var (promoted, promotedKey) = Issue(Staged, names, now, lifetimes);
                return new WebhookTlsMaterial(Staged, null, [Ca.Certificate, .. Retired], promoted, promotedKey);
            case CertificateRenewalStep.DropRetiredCa:
                return new WebhookTlsMaterial(Ca, Staged, Retired.Where(c => c.NotAfter.ToUniversalTime() > now.UtcDateTime).ToList(), Serving, ServingKeyPem);
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "no such renewal step for this material");
        }
    }

    private static (X509Certificate2 Certificate, string KeyPem) Issue(Authority ca, WebhookServingNames names, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names.DnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in names.DnsNames)
        {
            san.AddDnsName(dns);
        }

        foreach (var address in names.Addresses)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ca.KeyIdentifier));
        var notAfter = Min(now + lifetimes.Serving, ca.Certificate.NotAfter.ToUniversalTime());
        using var signer = ca.LoadKey();
        var certificate = request.Create(ca.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(signer), now - lifetimes.ClockSkew, notAfter, SerialNumber());
        return (certificate, key.ExportPkcs8PrivateKeyPem());
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }

    private static CertificateValidity Validity(X509Certificate2 certificate) =>
        new(new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()));

    private static ECDsa LoadKey(byte[] pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(Encoding.UTF8.GetString(pem));
        return key;
    }

    private static bool SamePublicKey(X509Certificate2 certificate, ECDsa key) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());

    /// <summary>A CA certificate and its key (PEM; loaded only to sign).</summary>
    private sealed record Authority(X509Certificate2 Certificate, string KeyPem, byte[] KeyIdentifier)
    {
        public static Authority Create(DateTimeOffset now, CertificateLifetimes lifetimes)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            // A unique subject per CA, so certificates from an old and a new CA are never confused by name.
            var request = new CertificateRequest($"CN=longshore-webhook-ca-{now.UtcDateTime:yyyyMMddTHHmmssZ}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            var identifier = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
            request.CertificateExtensions.Add(identifier);
            using var selfSigned = request.CreateSelfSigned(now - lifetimes.ClockSkew, now + lifetimes.Ca);
            return new Authority(X509Certificate2.CreateFromPem(selfSigned.ExportCertificatePem()), key.ExportPkcs8PrivateKeyPem(), identifier.SubjectKeyIdentifierBytes.ToArray());
        }

        /// <summary>The certificate in <paramref name="bundle"/> whose public key is <paramref name="key"/>'s.</summary>
        public static Authority? Find(X509Certificate2Collection bundle, ECDsa key)
        {
            using (key)
            {
                var certificate = bundle.FirstOrDefault(c => SamePublicKey(c, key));
                if (certificate?.Extensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.14") is not { } ski)
                {
                    return null;
                }

                return new Authority(certificate, key.ExportPkcs8PrivateKeyPem(), new X509SubjectKeyIdentifierExtension(new AsnEncodedData(ski.Oid, ski.RawData), ski.Critical).SubjectKeyIdentifierBytes.ToArray());
            }
        }

        public ECDsa LoadKey()
        {
            var key = ECDsa.Create();
            key.ImportFromPem(KeyPem);
            return key;
        }
    }
}
