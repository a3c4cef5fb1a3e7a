using Longshore.Oci;

namespace Longshore.LayerStore;

/// <summary>A blob a prune plan frees: nothing outside the plan refers to it.</summary>
public sealed record PrunePlanBlob(Digest Digest, long Size);
