using System.CommandLine;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Registry;

namespace Longshore.Cli;

/// <summary>Options every command takes: where the store is and which registries may use plain HTTP.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Store { get; } = new("--store") { Description = "Store folder (default: $LONGSHORE_STORE, else ~/.local/share/longshore/store)", Recursive = true };

    public Option<string[]> InsecureRegistries { get; } = new("--insecure-registry")
    {
        Description = "Registry host[:port] that may be reached over plain HTTP (repeatable; also $LONGSHORE_INSECURE_REGISTRIES, comma-separated). Loopback hosts always may.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> RegistryTimeout { get; } = new("--registry-timeout")
    {
        Description = "Seconds a registry may take to answer, or go without sending data, before the attempt fails (default 30; also $LONGSHORE_REGISTRY_TIMEOUT)",
        Recursive = true,
    };

    public Option<string?> StoreLockTimeout { get; } = new("--store-lock-timeout")
    {
        Description = "Seconds to wait for another process's change to the store before failing as locked (default 30; also $LONGSHORE_STORE_LOCK_TIMEOUT)",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Store);
        root.Add(StoreLockTimeout);
        root.Add(InsecureRegistries);
        root.Add(RegistryTimeout);
    }

    /// <summary>The store folder this run opened (or tried to), so that errors from it can name it.</summary>
    public string? OpenedStore { get; private set; }

    public ImageStore OpenStore(ParseResult parse, CliEnvironment environment)
    {
        var lockTimeout = ParseSeconds(parse.GetValue(StoreLockTimeout) ?? environment.Variable("LONGSHORE_STORE_LOCK_TIMEOUT"), "--store-lock-timeout");
        OpenedStore = Path.GetFullPath(parse.GetValue(Store) is { Length: > 0 } store ? store : environment.DefaultStore);
        return ImageStore.Open(OpenedStore, new ImageStoreOptions { LockTimeout = lockTimeout });
    }

    public CredentialStore Credentials(CliEnvironment environment) => new(environment.AuthFile, environment.DockerConfigFile);

    public RegistryClient Registry(ParseResult parse, CliEnvironment environment, RegistryCredential? credentialOverride = null)
    {
        var insecure = (parse.GetValue(InsecureRegistries) ?? [])
            .Concat((environment.Variable("LONGSHORE_INSECURE_REGISTRIES") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        foreach (var host in insecure)
        {
            try
            {
                RegistryEndpoint.Validate(host);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"--insecure-registry: {e.Message}", 2);
            }
        }

        var timeout = ParseTimeout(parse, environment);
        var credentials = Credentials(environment);
        return new RegistryClient(new RegistryClientOptions
        {
            InsecureRegistries = insecure,
            Credentials = host => credentialOverride ?? credentials.Find(host),
            RequestTimeout = timeout,
            BodyIdleTimeout = timeout,
            TransferRateWindow = timeout,
        });
    }

    private TimeSpan ParseTimeout(ParseResult parse, CliEnvironment environment) =>
        ParseSeconds(parse.GetValue(RegistryTimeout) ?? environment.Variable("LONGSHORE_REGISTRY_TIMEOUT"), "--registry-timeout");

    private static TimeSpan ParseSeconds(string? value, string option)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return TimeSpan.FromSeconds(30);
        }

        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0.1 and <= 86400
            ? TimeSpan.FromSeconds(seconds)
            : throw new CliException($"{option}: '{value}' is not a number of seconds between 0.1 and 86400", 2);
    }

    public static ImageReference ParseReference(string value, string what)
    {
        try
        {
            return ImageReference.Parse(value);
        }
        catch (OciFormatException e)
        {
            // Docker fails a bad reference with exit code 1 too.
            throw new CliException($"invalid {what} '{value}': {e.Message}");
        }
    }

    public static Platform? ParsePlatform(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return Platform.Parse(value);
        }
        catch (OciFormatException e)
        {
            throw new CliException($"invalid --platform: {e.Message}", 2);
        }
    }
}
