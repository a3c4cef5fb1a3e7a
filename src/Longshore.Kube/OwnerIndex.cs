namespace Longshore.Kube;

/// <summary>The cache index <c>Owns</c> adds to an owned kind: values are owner keys (<see cref="ResourceKey.ToString"/>).</summary>
public static class OwnerIndex
{
    public static string Of<TOwner>() => $"owner:{typeof(TOwner).Name}";
}
