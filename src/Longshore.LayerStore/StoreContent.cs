namespace Longshore.LayerStore;

/// <summary>
/// The reference graph prune plans walk: which blobs each image reaches (config, layers, manifests, the index it came
/// from), every blob's size, and the blobs live pulls hold. A blob is freed only when nothing outside a plan reaches it.
/// </summary>
/// <param name="ImageBlobs">Per image ID, the digests of the blobs it reaches (each once).</param>
/// <param name="Sizes">Bytes per blob digest, for every blob in the store.</param>
/// <param name="Leased">Blobs held by a pull in progress.</param>
public sealed record StoreContent(
    IReadOnlyDictionary<string, IReadOnlyList<string>> ImageBlobs,
    IReadOnlyDictionary<string, long> Sizes,
    IReadOnlySet<string> Leased);
