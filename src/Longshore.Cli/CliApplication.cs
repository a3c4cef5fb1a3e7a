using System.CommandLine;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Cli;

/// <summary>
/// The <c>longshore</c> command line. Exit codes: 0 success, 1 the operation failed, 2 bad usage, 130 interrupted.
/// Errors are one line on stderr; nothing half-written is left visible (the store commits atomically).
/// </summary>
public static class CliApplication
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliEnvironment.FromConsole(), cancellationToken);

    /// <summary>Runs with explicit output streams and environment, as tests do.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default) =>
        RunAsync(
            args,
            new CliEnvironment(output, error, name => environment.TryGetValue(name, out var value) ? value : null, TimeProvider.System, false, () => Stream.Null, () => Stream.Null),
            cancellationToken);

    internal static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
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
            return await parse.InvokeAsync(new InvocationConfiguration { Output = environment.Output, Error = environment.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await environment.Error.WriteLineAsync("Interrupted: nothing partial was kept.");
            return 130;
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            await environment.Error.WriteLineAsync($"Error: {message}");
            return e is CliException cli ? cli.ExitCode : 1;
        }
    }

    /// <summary>The one line a user sees for an expected failure; null lets a real bug surface with its stack.</summary>
    private static string? Describe(Exception e) => e switch
    {
        CliException or RegistryException or ImageNotFoundException or ImageConflictException or StoreCorruptException
            or OciFormatException or InvalidDataException or NotSupportedException or ArgumentException => e.Message,
        IOException or UnauthorizedAccessException => e.Message,
        _ => null,
    };
}
