namespace Longshore.Kube;

/// <summary>Where an object stands, in kstatus's terms (what Flux's health checks and other GitOps tools compute).</summary>
public enum Progress
{
    /// <summary>The controller has done what the spec asks (kstatus Current; Ready is True).</summary>
    Current,

    /// <summary>The controller is still working towards the spec (kstatus InProgress; Reconciling is True).</summary>
    InProgress,

    /// <summary>The controller cannot get there without a change (kstatus Failed; Stalled is True).</summary>
    Failed,
}
