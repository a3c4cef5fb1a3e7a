namespace Longshore.LayerStore;

/// <summary>One line of <c>image rm</c> / <c>prune</c> output: <c>Untagged: app:1</c> or <c>Deleted: sha256:…</c>.</summary>
public sealed record RemovedItem(RemovedKind Kind, string Value)
{
    public override string ToString() => $"{Kind}: {Value}";
}
