using System.Net.Http.Headers;
using System.Text;
using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>A real <c>docker-registry</c> (CNCF distribution) on a random loopback port with temporary storage.</summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _directory;
    private readonly string _configPath;
    private readonly IReadOnlyList<string> _commandPrefix;
    private ServiceProcess? _process;

    private RegistryServer(TempDirectory directory, int port, RegistryServerOptions options)
    {
        _directory = directory;
        Host = $"{options.ListenAddress}:{port}";
        _commandPrefix = options.CommandPrefix;
        BaseAddress = new Uri($"http://{Host}/");
        RootDirectory = directory.Combine("storage");
        Username = options.Username;
        Password = options.Password;
        _configPath = directory.Combine("config.yml");
    }

    /// <summary>"127.0.0.1:PORT" (or the listen address chosen), as it appears in image references.</summary>
    public string Host { get; }

    public Uri BaseAddress { get; }

    public string RootDirectory { get; }

    public string? Username { get; }

    public string? Password { get; }

    public static async Task<RegistryServer> StartAsync(RegistryServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RegistryServerOptions();
        var executable = ComponentLocator.Require("docker-registry", "docker-registry");
        var directory = TempDirectory.Create("longshore-registry");
        var server = new RegistryServer(directory, FreePort.Next(), options);
        try
        {
            Directory.CreateDirectory(server.RootDirectory);
            var auth = string.Empty;
            if (options.Username is not null && options.Password is not null)
            {
                var htpasswd = ComponentLocator.Require("htpasswd", "apache2-utils");
                var hash = await ProcessRunner.RunAsync(htpasswd, ["-Bbn", options.Username, options.Password], cancellationToken: cancellationToken);
                var file = directory.Combine("htpasswd");
                await File.WriteAllTextAsync(file, hash.EnsureSuccess().StandardOutput.Trim() + "\n", cancellationToken);
                auth = $"auth:\n  htpasswd:\n    realm: longshore-test\n    path: {file}\n";
            }

            await File.WriteAllTextAsync(
                server._configPath,
                $"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {server.RootDirectory}\n  delete:\n    enabled: true\nhttp:\n  addr: {server.Host}\n{auth}",
                cancellationToken);
            server._process = await server.LaunchAsync(executable, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A reference into this registry: <c>127.0.0.1:PORT/</c> + the argument.</summary>
    public string Reference(string repositoryAndTagOrDigest) => $"{Host}/{repositoryAndTagOrDigest}";

    /// <summary>Where the registry keeps a blob's bytes, so tests can corrupt it.</summary>
    public string BlobDataPath(Digest digest) =>
        Path.Combine(RootDirectory, "docker", "registry", "v2", "blobs", digest.Algorithm, digest.Hex[..2], digest.Hex, "data");

    /// <summary>An HttpClient for raw protocol checks, with the server's Basic credentials when it has them.</summary>
    public HttpClient CreateHttpClient(bool withCredentials = true)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (withCredentials && Username is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        }

        return client;
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts the registry again on the same port and storage.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        _process = await LaunchAsync(ComponentLocator.Require("docker-registry", "docker-registry"), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }

    private async Task<ServiceProcess> LaunchAsync(string executable, CancellationToken cancellationToken)
    {
        var process = ServiceProcess.Start(executable, ["serve", _configPath], commandPrefix: _commandPrefix);
        try
        {
            // 401 means up with auth on; either way the HTTP server answers.
            await process.WaitUntilAsync(
                async ct => (await Probe.GetAsync(new Uri(BaseAddress, "v2/"), ct)).StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(20),
                cancellationToken);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
