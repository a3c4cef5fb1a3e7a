namespace Longshore.Operator;

/// <summary>What the renewal planner needs to know about the webhook's TLS Secret; no key material.</summary>
/// <param name="Ca">The CA that signs serving certificates.</param>
/// <param name="Serving">The webhook's serving certificate.</param>
/// <param name="ServingIssuedByCa">Whether the serving certificate was signed by <paramref name="Ca"/>.</param>
/// <param name="ServingNamesMatch">Whether the serving certificate names exactly the wanted DNS names and addresses.</param>
/// <param name="StagedCa">A new CA already in the trust bundle, not yet signing; null when no rotation is under way.</param>
/// <param name="RetiredCas">Former CAs still trusted so that certificates they signed keep working during a rotation.</param>
public sealed record WebhookCertificateFacts(
    CertificateValidity Ca,
    CertificateValidity Serving,
    bool ServingIssuedByCa,
    bool ServingNamesMatch,
    CertificateValidity? StagedCa,
    IReadOnlyList<CertificateValidity> RetiredCas);
