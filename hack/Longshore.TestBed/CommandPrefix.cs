namespace Longshore.TestBed;

/// <summary>Runs a component through a launcher such as <c>nsenter -t PID -m -n --</c>.</summary>
public static class CommandPrefix
{
    /// <summary>The executable and arguments to start: <paramref name="fileName"/> itself when the prefix is empty.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Apply(IReadOnlyList<string> prefix, string fileName, IEnumerable<string> arguments) =>
        prefix.Count == 0 ? (fileName, [.. arguments]) : (prefix[0], [.. prefix.Skip(1), fileName, .. arguments]);
}
