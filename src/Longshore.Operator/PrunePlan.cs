using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>What one reconcile of an ImagePrune should write and say.</summary>
/// <param name="Status">The status to write.</param>
/// <param name="Requests">Per node, the prune request this ImagePrune's entry must become (null: no entry); only nodes that change.</param>
/// <param name="Events">Events to record once the status is written.</param>
/// <param name="Finished">The run that finished in this reconcile, if one did.</param>
/// <param name="Progress">Where the object stands for kstatus.</param>
/// <param name="RequeueAfter">When to look again without an event: the next scheduled time, a node's timeout, a poll while running.</param>
public sealed record PrunePlan(
    ImagePruneStatus Status,
    IReadOnlyDictionary<string, PruneRequest?> Requests,
    IReadOnlyList<PruneEvent> Events,
    PruneRun? Finished,
    Progress Progress,
    TimeSpan? RequeueAfter);
