using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>An ImagePrePull status as a value: the reconciler writes status only when this differs from what is there.</summary>
public sealed record PrePullStatusValue(
    long? ObservedGeneration,
    ValueList<(string Image, string? Digest, ValueList<(string Platform, string Digest)> Platforms, DateTime? ResolvedAt, string? Message)> Images,
    int DesiredNodes,
    int ReadyNodes,
    int PullingNodes,
    int FailedNodes,
    ValueList<(string Node, string Image, string Reason, string? Message)> Failures,
    ValueList<(string Type, string Status, string? Reason, string? Message, long? ObservedGeneration, DateTime? LastTransitionTime)> Conditions)
{
    public static readonly IEqualityComparer<ImagePrePullStatus?> Comparer = ValueComparer.By<ImagePrePullStatus, PrePullStatusValue?>(Of);

    public static PrePullStatusValue? Of(ImagePrePullStatus? status) => status is null ? null : new(
        status.ObservedGeneration,
        (status.Images ?? []).Select(i => (i.Image, i.Digest, (i.Platforms ?? []).Select(p => (p.Platform, p.Digest)).ToValueList(), i.ResolvedAt, i.Message)).ToValueList(),
        status.DesiredNodes,
        status.ReadyNodes,
        status.PullingNodes,
        status.FailedNodes,
        (status.Failures ?? []).Select(f => (f.Node, f.Image, f.Reason, f.Message)).ToValueList(),
        (status.Conditions ?? []).Select(c => (c.Type, c.Status, (string?)c.Reason, (string?)c.Message, c.ObservedGeneration, (DateTime?)c.LastTransitionTime)).ToValueList());
}
