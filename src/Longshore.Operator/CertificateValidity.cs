namespace Longshore.Operator;

/// <summary>When a certificate starts and stops being valid.</summary>
public readonly record struct CertificateValidity(DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    public TimeSpan Lifetime => NotAfter - NotBefore;
}
