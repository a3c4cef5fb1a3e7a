using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Longshore.Operator.Tests;

/// <summary>The operator's CA and serving certificate survive the trip through a Secret and chain the way the API server checks them.</summary>
public sealed class WebhookTlsMaterialTests
{
    private static readonly CertificateLifetimes Lifetimes = new();
    private static readonly WebhookServingNames Names = WebhookServingNames.For(new OperatorOptions { Namespace = "team-a", WebhookExtraNames = ["127.0.0.1", "Webhook.Example"] });

    [Fact]
    public void Names_are_the_service_names_and_the_extra_ones()
    {
        Names.DnsNames.Should().Equal("longshore-webhook.team-a.svc", "longshore-webhook.team-a.svc.cluster.local", "webhook.example");
        Names.Addresses.Should().Equal(IPAddress.Loopback);
    }

    [Fact]
    public void The_serving_certificate_chains_to_the_bundle_and_names_the_service()
    {
        var now = DateTimeOffset.UtcNow;
        var material = WebhookTlsMaterial.FromSecretData(WebhookTlsMaterial.Create(Names, now, Lifetimes).ToSecretData());
        material.Should().NotBeNull();

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPem(material!.TrustBundlePem);
        chain.ChainPolicy.CustomTrustStore.AddRange(bundle);
        chain.Build(material.Serving).Should().BeTrue(string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        material.Serving.MatchesHostname("longshore-webhook.team-a.svc").Should().BeTrue();
        material.Serving.MatchesHostname("127.0.0.1").Should().BeTrue();
        material.Serving.MatchesHostname("other.team-a.svc").Should().BeFalse();

        var facts = material.Facts(Names);
        facts.ServingIssuedByCa.Should().BeTrue();
        facts.ServingNamesMatch.Should().BeTrue();
        facts.Serving.Lifetime.Should().Be(Lifetimes.Serving + Lifetimes.ClockSkew);
        using var served = material.ServingWithKey();
        served.HasPrivateKey.Should().BeTrue();
    }

    [Fact]
    public void Other_wanted_names_are_noticed()
    {
        var material = WebhookTlsMaterial.Create(Names, DateTimeOffset.UtcNow, Lifetimes);
        var moved = WebhookServingNames.For(new OperatorOptions { Namespace = "team-b", WebhookExtraNames = ["127.0.0.1", "webhook.example"] });
        material.Facts(moved).ServingNamesMatch.Should().BeFalse();
    }

    [Fact]
    public void A_rotation_keeps_the_old_ca_trusted_and_signs_with_the_new_one()
    {
        var now = DateTimeOffset.UtcNow;
        var original = WebhookTlsMaterial.Create(Names, now, Lifetimes);
        var staged = WebhookTlsMaterial.FromSecretData(original.Apply(CertificateRenewalStep.StageCa, Names, now, Lifetimes).ToSecretData())!;
        staged.Serving.Thumbprint.Should().Be(original.Serving.Thumbprint, "a staged CA signs nothing yet");
        staged.Facts(Names).StagedCa.Should().NotBeNull();
        staged.TrustBundlePem.Should().StartWith(original.TrustBundlePem.TrimEnd());

        var promoted = WebhookTlsMaterial.FromSecretData(staged.Apply(CertificateRenewalStep.PromoteCa, Names, now, Lifetimes).ToSecretData())!;
        promoted.Serving.Thumbprint.Should().NotBe(original.Serving.Thumbprint);
        var facts = promoted.Facts(Names);
        facts.StagedCa.Should().BeNull();
        facts.ServingIssuedByCa.Should().BeTrue();
        facts.RetiredCas.Should().ContainSingle();
        promoted.TrustBundlePem.Should().Contain(original.TrustBundlePem.Trim(), "the old CA is still trusted");
        original.Facts(Names).ServingIssuedByCa.Should().BeTrue();
    }

    [Fact]
    public void A_secret_with_missing_or_broken_parts_is_not_usable()
    {
        var data = WebhookTlsMaterial.Create(Names, DateTimeOffset.UtcNow, Lifetimes).ToSecretData();
        WebhookTlsMaterial.FromSecretData(null).Should().BeNull();
        WebhookTlsMaterial.FromSecretData(new Dictionary<string, byte[]>(data.Where(p => p.Key != "ca.key"))).Should().BeNull();
        WebhookTlsMaterial.FromSecretData(new Dictionary<string, byte[]>(data) { ["tls.crt"] = Encoding.UTF8.GetBytes("not a certificate") }).Should().BeNull();

        // A serving key that is not the certificate's.
        var other = WebhookTlsMaterial.Create(Names, DateTimeOffset.UtcNow, Lifetimes).ToSecretData();
        WebhookTlsMaterial.FromSecretData(new Dictionary<string, byte[]>(data) { ["tls.key"] = other["tls.key"] }).Should().BeNull();
    }
}
