namespace Longshore.Api;

/// <summary>
/// One entry of a list with its position and, when an earlier entry has the same key, that entry's position: rules
/// over <see cref="Of"/> report duplicates at the entry that repeats, naming the one it repeats.
/// </summary>
internal sealed record ListedItem<T>(T Value, int Index, int? RepeatOf)
{
    /// <summary>The entries of <paramref name="items"/>; a null key takes no part in the duplicate check.</summary>
    public static IEnumerable<ListedItem<T>> Of(IEnumerable<T>? items, Func<T, string?> key)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in items ?? [])
        {
            int? repeatOf = null;
            if (key(item) is { } k && !seen.TryAdd(k, index))
            {
                repeatOf = seen[k];
            }

            yield return new ListedItem<T>(item, index++, repeatOf);
        }
    }
}
