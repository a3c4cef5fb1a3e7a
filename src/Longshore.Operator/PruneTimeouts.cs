namespace Longshore.Operator;

/// <summary>
/// How long a node of a run may stay silent: an agent that has not taken up its request (no report) after
/// <paramref name="Pickup"/>, or has not finished after <paramref name="Finish"/>, counts as failed, so a dead node or
/// an agent without prune support cannot hold every later run back.
/// </summary>
public sealed record PruneTimeouts(TimeSpan Pickup, TimeSpan Finish)
{
    public static PruneTimeouts Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
}
