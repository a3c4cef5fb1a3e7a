using System.CommandLine;
using System.CommandLine.Parsing;

namespace Longshore.Hosting;

/// <summary>
/// The command line of a long-running host (the operator, the agent): <c>--help</c> lists every option with its
/// default and environment variable; bad usage is one line on stderr naming the option, and exit code 2, as for the CLI.
/// Every host also takes <c>--log-format</c> and <c>--log-level</c>.
/// </summary>
public sealed class HostCommandLine
{
    private readonly string _program;
    private readonly HostOption<LogFormat> _logFormat = HostOption.Choice("--log-format", "Console log format: text is one line per entry, json one object per entry for log collectors", LogFormat.Text);
    private readonly HostOption<LogLevel> _logLevel = HostOption.Choice("--log-level", "Least severe log level written (trace, debug, information, warning, error); stack traces of expected failures show at debug", LogLevel.Information, "LEVEL");

    public HostCommandLine(string program, string description)
    {
        _program = program;
        Root = new RootCommand(description);
        Root.SetAction(_ => 0);
    }

    public RootCommand Root { get; }

    public HostOption<T> Add<T>(HostOption<T> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        Root.Add(option.Option);
        return option;
    }

    /// <summary>
    /// Parses <paramref name="args"/>, turns them into options with <paramref name="bind"/> (which throws an
    /// <see cref="ArgumentException"/> for a bad value), then runs the host with them and its console logging.
    /// </summary>
    public async Task<int> RunAsync<TOptions>(string[] args, Func<ParseResult, TOptions> bind, Func<TOptions, ConsoleLog, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(run);
        Add(_logFormat);
        Add(_logLevel);
        var parse = Root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return await FailAsync(Describe(parse));
        }

        if (parse.Action is { } action && !ReferenceEquals(action, Root.Action))
        {
            // --help or --version.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
        }

        TOptions options;
        ConsoleLog log;
        try
        {
            options = bind(parse);
            log = new ConsoleLog(_logFormat.Get(parse), _logLevel.Get(parse));
        }
        catch (ArgumentException e)
        {
            return await FailAsync(e.Message);
        }

        return await run(options, log);
    }

    private async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync($"{_program}: {message}");
        return 2;
    }

    private static string Describe(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            return token.StartsWith('-') ? $"unknown option {token}" : $"unexpected argument {token}";
        }

        var error = parse.Errors[0];
        var option = error.SymbolResult as OptionResult ?? error.SymbolResult?.Parent as OptionResult;
        return option is { Tokens.Count: 0 } ? $"{option.Option.Name} needs a value" : error.Message;
    }
}
