namespace Longshore.Operator;

/// <summary>The step to take now and when to look again if nothing changes meanwhile.</summary>
public sealed record CertificateRenewalPlan(CertificateRenewalStep Step, DateTimeOffset NextCheck);
