namespace Longshore.Operator;

/// <summary>What a refresh did to one lock.</summary>
public enum LockChange
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>The image got its first lock.</summary>
    Locked,

    /// <summary>Follow: the tag points at a new digest and the lock moved with it.</summary>
    Moved,

    /// <summary>Hold: the tag points at a new digest; the lock stays until the spec approves it.</summary>
    Held,

    /// <summary>Hold: the spec's approved digest moved the lock.</summary>
    Approved,
}
