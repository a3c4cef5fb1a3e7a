namespace Longshore.LayerStore;

/// <summary><see cref="Force"/> removes pinned or in-use images and images tagged in several repositories.</summary>
public sealed record RemoveOptions(bool Force = false);
