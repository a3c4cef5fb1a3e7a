namespace Longshore.Agent;

/// <summary>An attempt ended: the image is pulled, or the state says why not.</summary>
public sealed class PullCompletedEventArgs(PullRequest request, PullState state) : EventArgs
{
    public PullRequest Request { get; } = request;

    public PullState State { get; } = state;
}
