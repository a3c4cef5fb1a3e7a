namespace Longshore.LayerStore;

public enum RemovedKind
{
    Untagged,
    Deleted,
}
