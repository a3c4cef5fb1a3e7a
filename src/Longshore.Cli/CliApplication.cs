using System.CommandLine;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;
using Microsoft.Data.Sqlite;

namespace Longshore.Cli;

/// <summary>
/// The <c>longshore</c> command line. Exit codes: 0 success, 1 the operation failed, 2 bad usage, 130 interrupted (SIGINT), 143 terminated (SIGTERM).
/// Errors are one line on stderr; nothing half-written is left visible (the store commits atomically).
/// </summary>
public static class CliApplication
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliEnvironment.FromConsole(), cancellationToken);

    /// <summary>Runs as the <c>longshore</c> process: SIGINT and SIGTERM cancel the command, which exits 130 or 143.</summary>
    internal static Task<int> RunAsync(string[] args, TerminationSignals signals) =>
        RunAsync(args, CliEnvironment.FromConsole(), signals.Token, () => signals.ExitCode);

    /// <summary>Runs with explicit output streams and environment, as tests do.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default) =>
        RunAsync(
            args,
            new CliEnvironment(output, error, name => environment.TryGetValue(name, out var value) ? value : null, TimeProvider.System, false, () => Stream.Null, () => Stream.Null),
            cancellationToken);

    internal static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken, Func<int>? interruptedExitCode = null)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("Longshore: pull, keep, pin and prune container images with Docker's semantics.");
        globals.AddTo(root);
        root.Add(ImageCommands.Build(globals, environment));
        root.Add(OtherCommands.Manifest(globals, environment));
        root.Add(OtherCommands.Resolve(globals, environment));
        root.Add(OtherCommands.Login(globals, environment));
        root.Add(OtherCommands.Logout(globals, environment));
        root.Add(OtherCommands.Fsck(globals, environment));
        root.Add(ManifestsCommand.Build(environment));
        root.Add(AgentCommand.Build(globals, environment));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"Error: {error.Message}");
            }

            await environment.Error.WriteLineAsync("Run 'longshore --help' for usage.");
            return 2;
        }

        try
        {
            // Signals are ours (see TerminationSignals): the library's own handler would end the process after a fixed
            // timeout with no word on stderr.
            var configuration = new InvocationConfiguration
            {
                Output = environment.Output,
                Error = environment.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            };
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Whatever a cancelled operation ends with (its cancellation, or a transfer it cut short), the user asked
            // for it: one line, no stack.
            await environment.Error.WriteLineAsync("Interrupted: no image was half-written; the next pull continues the download.");
            return interruptedExitCode?.Invoke() ?? TerminationSignals.InterruptExitCode;
        }
        catch (Exception e)
        {
            var message = Describe(e, globals.OpenedStore);
            if (message is null && environment.Variable(DebugVariable) is { Length: > 0 })
            {
                await environment.Error.WriteLineAsync(e.ToString());
                return 1;
            }

            // A bug still ends in one line; the stack trace is one variable away.
            message ??= $"unexpected {e.GetType().Name}: {e.Message} (set {DebugVariable}=1 for the stack trace)";
            await environment.Error.WriteLineAsync($"Error: {OneLine(message)}");
            return e is CliException cli ? cli.ExitCode : 1;
        }
    }

    /// <summary>Set to print the stack trace of an unexpected failure instead of its one line.</summary>
    public const string DebugVariable = "LONGSHORE_DEBUG";

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The one line a user sees for an expected failure; null for what would be a bug.</summary>
    private static string? Describe(Exception e, string? store)
    {
        var database = store is null ? "the store's database" : $"the store's database {Path.Combine(store, "metadata.db")}";
        return e switch
        {
            CliException or Formatting.TemplateException or RegistryException or ImageNotFoundException or ImageConflictException or StoreCorruptException
                or OciFormatException or InvalidDataException or NotSupportedException or ArgumentException => e.Message,
            IOException or UnauthorizedAccessException => store is null || e.Message.Contains(store, StringComparison.Ordinal) ? e.Message : $"store {store}: {e.Message}",
            SqliteException { SqliteErrorCode: 14 } => $"cannot open {database} (is the store folder writable, on a writable file system?): {e.Message}",
            SqliteException { SqliteErrorCode: 8 } => $"{database} is read-only (check the permissions of the store folder and its files): {e.Message}",
            SqliteException { SqliteErrorCode: 5 or 6 } => $"{database} is locked by another process: {e.Message}",
            SqliteException { SqliteErrorCode: 11 or 26 } => $"{database} is damaged or not a database (restore or remove the store folder): {e.Message}",
            // SQLITE_FULL: the commit found no room; it rolled back, so the store is as before the command.
            SqliteException { SqliteErrorCode: 13 } => $"no space left for {database}: {e.Message}",
            // SQLITE_IOERR: on a full disk, also what opening fails with when SQLite cannot create its shared-memory file.
            SqliteException { SqliteErrorCode: 10 } => $"cannot read or write {database} (is its disk full or failing?): {e.Message}",
            SqliteException => $"{database} failed: {e.Message}",
            _ => null,
        };
    }
}
