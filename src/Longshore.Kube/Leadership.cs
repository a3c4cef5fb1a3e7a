namespace Longshore.Kube;

/// <summary>Whether this replica leads (runs the controllers). Read by what only the leader may export, such as per-object gauges.</summary>
public sealed class Leadership(bool leading = false)
{
    private volatile bool _leading = leading;

    public bool IsLeading
    {
        get => _leading;
        internal set => _leading = value;
    }
}
