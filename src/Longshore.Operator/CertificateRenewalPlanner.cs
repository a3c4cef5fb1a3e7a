namespace Longshore.Operator;

/// <summary>
/// Decides the next change to the webhook's TLS Secret from its certificates' validity and the time: create what is
/// missing, renew a serving certificate before it expires, and rotate the CA in two steps (staged into the trust bundle
/// first, signing only after <see cref="CertificateLifetimes.CaOverlap"/>) so the API server never meets a certificate
/// from a CA its caBundle does not hold yet.
/// </summary>
public static class CertificateRenewalPlanner
{
    public static CertificateRenewalPlan Plan(WebhookCertificateFacts? facts, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        ArgumentNullException.ThrowIfNull(lifetimes);
        if (facts is null || now >= facts.Ca.NotAfter)
        {
            return new(CertificateRenewalStep.Create, now);
        }

        var promoteAt = facts.StagedCa is { } staged ? staged.NotBefore + lifetimes.ClockSkew + lifetimes.CaOverlap : (DateTimeOffset?)null;
        if (promoteAt <= now)
        {
            return new(CertificateRenewalStep.PromoteCa, now);
        }

        var stageAt = RenewalTime(facts.Ca, lifetimes);
        if (facts.StagedCa is null && stageAt <= now)
        {
            return new(CertificateRenewalStep.StageCa, now);
        }

        var renewAt = RenewalTime(facts.Serving, lifetimes);
        if (!facts.ServingIssuedByCa || !facts.ServingNamesMatch || renewAt <= now || facts.Serving.NotBefore > now)
        {
            return new(CertificateRenewalStep.RenewServing, now);
        }

        if (facts.RetiredCas.Any(c => c.NotAfter <= now))
        {
            return new(CertificateRenewalStep.DropRetiredCa, now);
        }

        var next = renewAt;
        next = Earliest(next, promoteAt ?? (facts.StagedCa is null ? stageAt : null));
        foreach (var retired in facts.RetiredCas)
        {
            next = Earliest(next, retired.NotAfter);
        }

        return new(CertificateRenewalStep.None, next);
    }

    /// <summary>
    /// When less than a third of the certificate's life, or less than the minimum, remains; the minimum counts for at
    /// most half the life, so a short-lived certificate is not renewed the moment it is made.
    /// </summary>
    public static DateTimeOffset RenewalTime(CertificateValidity certificate, CertificateLifetimes lifetimes)
    {
        ArgumentNullException.ThrowIfNull(lifetimes);
        var life = certificate.Lifetime.Ticks;
        var margin = TimeSpan.FromTicks(Math.Max(life / 3, Math.Min(lifetimes.MinimumRemaining.Ticks, life / 2)));
        return certificate.NotAfter - margin;
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other < a ? other : a;
}
