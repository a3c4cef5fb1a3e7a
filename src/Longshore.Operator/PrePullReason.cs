namespace Longshore.Operator;

/// <summary>Reasons on an ImagePrePull's conditions and events (written as their names).</summary>
public enum PrePullReason
{
    /// <summary>Every target node has every image.</summary>
    AllNodesReady,

    /// <summary>Nodes are pulling or waiting for a slot.</summary>
    Pulling,

    /// <summary>No node matches the selector, names and tolerations.</summary>
    NoTargetNodes,

    /// <summary>Some image could not be resolved in its registry.</summary>
    ResolveFailed,

    /// <summary>Some node gave up pulling an image.</summary>
    PullFailed,

    /// <summary>The object asks more than the administrator's limits allow (pins, tolerations, images per node).</summary>
    LimitExceeded,

    /// <summary>Degraded is False: no failures.</summary>
    AsExpected,
}
