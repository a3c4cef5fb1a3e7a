using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>
/// One row of <c>image history</c>: a step of the image's build, newest first. <see cref="ImageId"/> is set on the top row
/// only (Docker shows <c>&lt;missing&gt;</c> for the steps below, which are no image of their own here).
/// <see cref="Size"/> is the uncompressed size of the layer the step made (0 for steps that made none), as Docker shows;
/// a zstd layer, which the store cannot decompress, counts with its compressed size.
/// </summary>
public sealed record ImageHistoryEntry(
    Digest? ImageId,
    DateTimeOffset? Created,
    string CreatedBy,
    long Size,
    string Comment,
    bool EmptyLayer,
    Digest? DiffId,
    IReadOnlyList<string> Tags);
