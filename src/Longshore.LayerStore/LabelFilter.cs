namespace Longshore.LayerStore;

/// <summary><c>label=key</c> (has the label) or <c>label=key=value</c> (has it with that value).</summary>
public sealed record LabelFilter(string Key, string? Value)
{
    public static LabelFilter Parse(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        var key = eq < 0 ? text : text[..eq];
        if (key.Length == 0)
        {
            throw new ArgumentException($"label filter '{text}' has no key: expected label=key or label=key=value");
        }

        return new LabelFilter(key, eq < 0 ? null : text[(eq + 1)..]);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Key, out var value) && (Value is null || value == Value);
}
