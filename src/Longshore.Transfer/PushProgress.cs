using Longshore.Oci;

namespace Longshore.Transfer;

/// <summary>One blob of a push: <see cref="Status"/> is Docker's word for it ("Pushing", "Pushed", "Layer already exists").</summary>
public sealed record PushProgress(Digest Blob, string Status);
