namespace Longshore.Kube;

/// <summary>Equality through a value projection (a record): two objects are equal when their projections are.</summary>
public static class ValueComparer
{
    public static IEqualityComparer<T?> By<T, TValue>(Func<T?, TValue> value) =>
        EqualityComparer<T?>.Create((a, b) => EqualityComparer<TValue>.Default.Equals(value(a), value(b)), item => value(item)?.GetHashCode() ?? 0);
}
