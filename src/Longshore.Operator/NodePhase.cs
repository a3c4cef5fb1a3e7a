namespace Longshore.Operator;

/// <summary>Where one node stands on all images of one ImagePrePull.</summary>
public enum NodePhase
{
    /// <summary>Some image is not there yet (waiting, pulling, or not reported).</summary>
    Pulling,

    /// <summary>Every image is there, at the resolved digest.</summary>
    Ready,

    /// <summary>The agent gave up on some image (its backoffLimit ran out).</summary>
    Failed,
}
