using System.CommandLine;

namespace Longshore.Hosting;

/// <summary>One option of a host's command line and how its value is found: the command line, else its environment variable, else its default.</summary>
public sealed class HostOption<T>
{
    private readonly Func<ParseResult, T> _read;

    internal HostOption(Option option, Func<ParseResult, T> read)
    {
        Option = option;
        _read = read;
    }

    public Option Option { get; }

    /// <summary>The value; a bad value throws an <see cref="ArgumentException"/> naming the option or variable.</summary>
    public T Get(ParseResult parse) => _read(parse);
}
