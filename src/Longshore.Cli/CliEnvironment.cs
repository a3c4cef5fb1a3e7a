namespace Longshore.Cli;

/// <summary>What the CLI reads from its surroundings: output streams, environment variables, clock, terminal.</summary>
internal sealed record CliEnvironment(
    TextWriter Output,
    TextWriter Error,
    Func<string, string?> Variable,
    TimeProvider Time,
    bool OutputIsTerminal,
    Func<Stream> StandardInput,
    Func<Stream> StandardOutput)
{
    public static CliEnvironment FromConsole() => new(
        Console.Out,
        Console.Error,
        Environment.GetEnvironmentVariable,
        TimeProvider.System,
        !Console.IsOutputRedirected,
        Console.OpenStandardInput,
        Console.OpenStandardOutput);

    public string DefaultStore =>
        Variable("LONGSHORE_STORE") is { Length: > 0 } store ? store : Path.Combine(DataHome, "longshore", "store");

    public string AuthFile =>
        Variable("LONGSHORE_AUTH_FILE") is { Length: > 0 } file ? file : Path.Combine(ConfigHome, "longshore", "auth.json");

    public string DockerConfigFile =>
        Path.Combine(Variable("DOCKER_CONFIG") is { Length: > 0 } docker ? docker : Path.Combine(Home, ".docker"), "config.json");

    private string Home => Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private string DataHome => Variable("XDG_DATA_HOME") is { Length: > 0 } data ? data : Path.Combine(Home, ".local", "share");

    private string ConfigHome => Variable("XDG_CONFIG_HOME") is { Length: > 0 } config ? config : Path.Combine(Home, ".config");
}
