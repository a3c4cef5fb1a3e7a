using Longshore.Api;

namespace Longshore.Operator;

/// <summary>An object that wants an image on a node (a NodeImage entry's owner), compared by value.</summary>
public sealed record PlannedOwner(string Kind, string Namespace, string Name)
{
    public static PlannedOwner From(ImageOwner owner) => new(owner.Kind, owner.Namespace, owner.Name);

    public ImageOwner ToOwner() => new() { Kind = Kind, Namespace = Namespace, Name = Name };
}
