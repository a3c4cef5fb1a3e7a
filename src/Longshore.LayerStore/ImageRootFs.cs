namespace Longshore.LayerStore;

/// <summary><c>RootFS</c> of <c>image inspect</c>: the layers' diff IDs.</summary>
public sealed record ImageRootFs(string Type, IReadOnlyList<string> Layers);
