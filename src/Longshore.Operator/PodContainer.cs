namespace Longshore.Operator;

/// <summary>A container of a Pod as admission sees it: where it sits in the spec (for a JSONPatch path), its name and image.</summary>
public sealed record PodContainer(string Field, int Index, string Name, string Image)
{
    public static readonly IReadOnlyList<string> Fields = ["initContainers", "containers", "ephemeralContainers"];

    /// <summary>The JSON pointer of its image.</summary>
    public string ImagePath => $"/spec/{Field}/{Index}/image";
}
