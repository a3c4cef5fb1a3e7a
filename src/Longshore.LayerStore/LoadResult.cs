namespace Longshore.LayerStore;

/// <summary>What <c>load</c> brought in: <c>Loaded image: app:1</c> per tag, <c>Loaded image ID: sha256:…</c> for untagged ones.</summary>
public sealed record LoadResult(IReadOnlyList<string> Lines, IReadOnlyList<Oci.Digest> ImageIds);
