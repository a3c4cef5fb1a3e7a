namespace Longshore.Kube;

public static class ValueListExtensions
{
    public static ValueList<T> ToValueList<T>(this IEnumerable<T> items) => new(items);
}
