namespace Longshore.Runtime;

/// <summary>
/// What the images on a runtime hold on disk: for each image ID the content items (blobs, snapshots) it reaches, each
/// item's size, and the items something other than an image holds (a pull in progress, a lease), which no prune frees.
/// An item two images reach is freed only when both go: a plan over this graph never counts a shared layer as freed.
/// </summary>
/// <param name="ImageItems">Per image ID, the keys of the items it reaches (each at most once).</param>
/// <param name="Sizes">Bytes per item key, for every item the runtime stores.</param>
/// <param name="Held">Items held outside any image.</param>
public sealed record RuntimeContent(
    IReadOnlyDictionary<string, IReadOnlyList<string>> ImageItems,
    IReadOnlyDictionary<string, long> Sizes,
    IReadOnlySet<string> Held)
{
    /// <summary>Bytes of every stored item; the difference before and after a prune is what it freed.</summary>
    public long TotalBytes => Sizes.Values.Sum();
}
