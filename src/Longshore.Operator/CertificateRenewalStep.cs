namespace Longshore.Operator;

/// <summary>The one change the webhook's TLS Secret needs next.</summary>
public enum CertificateRenewalStep
{
    /// <summary>Nothing to do until the plan's next check.</summary>
    None,

    /// <summary>No usable Secret (missing, unreadable or its CA expired): a new CA and serving certificate.</summary>
    Create,

    /// <summary>A new serving certificate from the current CA (near expiry, wrong names, or signed by another CA).</summary>
    RenewServing,

    /// <summary>A new CA joins the trust bundle without signing yet, so every caBundle trusts it before it is used.</summary>
    StageCa,

    /// <summary>The staged CA has been trusted long enough: it signs a new serving certificate; the old CA stays trusted until it expires.</summary>
    PromoteCa,

    /// <summary>A retired CA has expired and leaves the trust bundle.</summary>
    DropRetiredCa,
}
