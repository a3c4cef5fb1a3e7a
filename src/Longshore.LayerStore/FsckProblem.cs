namespace Longshore.LayerStore;

/// <summary>One thing fsck found wrong: what kind, which blob/image/tag, and what exactly.</summary>
public sealed record FsckProblem(string Kind, string Subject, string Message)
{
    public override string ToString() => $"{Kind} {Subject}: {Message}";
}
