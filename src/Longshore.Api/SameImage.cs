using System.Collections.Concurrent;

namespace Longshore.Api;

/// <summary>One image however it is written: <c>nginx</c>, <c>nginx:latest</c> and <c>docker.io/library/nginx</c> are one.</summary>
public static class SameImage
{
    // The planner and the progress check ask for every entry of every NodeImage at each reconcile, and a cluster holds
    // few distinct references: each is parsed once. Bounded: a full memo starts over.
    private const int MemoLimit = 65_536;

    private static readonly ConcurrentDictionary<string, string> Memo = new(StringComparer.Ordinal);

    /// <summary>The parsed, normalised reference; the text itself when it does not parse.</summary>
    public static string Key(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (Memo.TryGetValue(reference, out var key))
        {
            return key;
        }

        if (Memo.Count >= MemoLimit)
        {
            Memo.Clear();
        }

        key = FieldRules.ParseReference(reference)?.ToString() ?? reference;
        Memo[reference] = key;
        return key;
    }
}
