namespace Longshore.LayerStore;

public enum PruneMode
{
    /// <summary>Only images without any tag (<c>&lt;none&gt;:&lt;none&gt;</c>).</summary>
    Dangling,

    /// <summary>Every image that is not in use and not pinned, tagged or not (<c>prune --all</c>).</summary>
    Unused,
}
