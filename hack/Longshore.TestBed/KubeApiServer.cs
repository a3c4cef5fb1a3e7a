using System.Net.Http.Headers;
using System.Security.Cryptography;
using k8s;

namespace Longshore.TestBed;

/// <summary>
/// A real kube-apiserver v1.20.2 (built from Debian's source package by hack/build-kube-apiserver.sh and cached) on a
/// random loopback port, backed by its own etcd, with token authentication and RBAC. It knows an admin (system:masters)
/// and a few plain identities (<see cref="Identities"/>) that tests bind RBAC to.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    public static readonly string[] IdentityNames = ["operator", "agent", "tenant", "reader", "other-agent"];

    private readonly TempDirectory _directory;
    private readonly EtcdServer _etcd;
    private readonly string _binary;
    private readonly int _port;
    private readonly KubeApiServerOptions _options;
    private ServiceProcess? _process;

    private KubeApiServer(TempDirectory directory, EtcdServer etcd, string binary, int port, IReadOnlyDictionary<string, KubeIdentity> identities, KubeIdentity admin, KubeApiServerOptions options)
    {
        _options = options;
        _directory = directory;
        _etcd = etcd;
        _binary = binary;
        _port = port;
        Identities = identities;
        Admin = admin;
        Server = new Uri($"https://{options.Address}:{port}");
        KubeconfigPath = WriteKubeconfig(admin);
    }

    public Uri Server { get; }

    public KubeIdentity Admin { get; }

    /// <summary>Identities by name (<see cref="IdentityNames"/>); they have no rights until a test binds some.</summary>
    public IReadOnlyDictionary<string, KubeIdentity> Identities { get; }

    /// <summary>The API server's own folder: its serving certificate (certs/apiserver.crt) and service-account key (sa.key).</summary>
    public string DirectoryPath => _directory.Path;

    /// <summary>A kubeconfig for the admin identity.</summary>
    public string KubeconfigPath { get; }

    public static Task<KubeApiServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(new KubeApiServerOptions(), cancellationToken);

    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions options, CancellationToken cancellationToken = default)
    {
        var binary = await LocateBinaryAsync(cancellationToken);
        var directory = TempDirectory.Create("longshore-apiserver");
        EtcdServer? etcd = null;
        try
        {
            etcd = await EtcdServer.StartAsync(options.CommandPrefix, options.Address, cancellationToken);
            var admin = new KubeIdentity("admin", NewToken(), ["system:masters"]);
            var identities = IdentityNames.Select(n => new KubeIdentity(n, NewToken(), [])).Concat(options.ExtraIdentities).ToDictionary(i => i.Name);
            var lines = new[] { admin }.Concat(identities.Values)
                .Select(i => $"{i.Token},{i.Name},{i.Name}-uid,\"{string.Join(',', i.Groups)}\"");
            await File.WriteAllLinesAsync(directory.Combine("tokens.csv"), lines, cancellationToken);
            using (var rsa = RSA.Create(2048))
            {
                await File.WriteAllTextAsync(directory.Combine("sa.key"), rsa.ExportRSAPrivateKeyPem(), cancellationToken);
                await File.WriteAllTextAsync(directory.Combine("sa.pub"), rsa.ExportSubjectPublicKeyInfoPem(), cancellationToken);
            }

            Directory.CreateDirectory(directory.Combine("certs"));
            var server = new KubeApiServer(directory, etcd, binary, FreePort.Next(), identities, admin, options);
            await server.StartApiServerAsync(cancellationToken);
            return server;
        }
        catch
        {
            if (etcd is not null)
            {
                await etcd.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    /// <summary>A client authenticated as <paramref name="identity"/> (the admin when null).</summary>
    public Kubernetes CreateClient(KubeIdentity? identity = null) =>
        new(new KubernetesClientConfiguration { Host = Server.ToString(), AccessToken = (identity ?? Admin).Token, SkipTlsVerify = true });

    /// <summary>Writes a kubeconfig for an identity and returns its path.</summary>
    public string WriteKubeconfig(KubeIdentity identity)
    {
        var path = _directory.Combine($"kubeconfig-{identity.Name}");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: longshore-test
              cluster:
                server: {Server}
                insecure-skip-tls-verify: true
            users:
            - name: {identity.Name}
              user:
                token: {identity.Token}
            contexts:
            - name: {identity.Name}
              context:
                cluster: longshore-test
                user: {identity.Name}
            current-context: {identity.Name}
            """);
        return path;
    }

    /// <summary>Runs kubectl as the admin (or <paramref name="identity"/>).</summary>
    public Task<ProcessResult> KubectlAsync(IEnumerable<string> arguments, KubeIdentity? identity = null, CancellationToken cancellationToken = default)
    {
        var kubectl = ComponentLocator.Require("kubectl", "kubectl");
        var config = identity is null ? KubeconfigPath : WriteKubeconfig(identity);
        return ProcessRunner.RunAsync(kubectl, ["--kubeconfig", config, .. arguments], timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);
    }

    /// <summary><c>kubectl apply</c> a file or folder (<c>-k</c> when the folder is a kustomization).</summary>
    public async Task ApplyAsync(string path, CancellationToken cancellationToken = default) =>
        (await KubectlAsync(["apply", File.Exists(Path.Combine(path, "kustomization.yaml")) ? "-k" : "-f", path], cancellationToken: cancellationToken)).EnsureSuccess();

    /// <summary>Applies CRDs (a file or a folder) and waits until the API server serves them.</summary>
    public async Task InstallCrdsAsync(string path, CancellationToken cancellationToken = default)
    {
        (await KubectlAsync(["apply", "-f", path], cancellationToken: cancellationToken)).EnsureSuccess();
        (await KubectlAsync(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"], cancellationToken: cancellationToken)).EnsureSuccess();
    }

    public async Task StopApiServerAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts (again) on the same port, etcd and keys, so clients can reconnect.</summary>
    public async Task StartApiServerAsync(CancellationToken cancellationToken = default)
    {
        await StopApiServerAsync();
        var process = ServiceProcess.Start(_binary, [
            $"--etcd-servers={_etcd.ClientUrl.ToString().TrimEnd('/')}",
            $"--bind-address={_options.Address}",
            $"--secure-port={_port}",
            $"--cert-dir={_directory.Combine("certs")}",
            $"--token-auth-file={_directory.Combine("tokens.csv")}",
            $"--authorization-mode={_options.AuthorizationMode}",
            "--service-account-issuer=https://kubernetes.default.svc",
            $"--service-account-key-file={_directory.Combine("sa.pub")}",
            $"--service-account-signing-key-file={_directory.Combine("sa.key")}",
            "--service-cluster-ip-range=10.0.0.0/24",
            $"--advertise-address={_options.Address}",
            "--allow-privileged=true",
            "--enable-priority-and-fairness=false",
            "--v=0",
            .. _options.ExtraArguments,
        ], commandPrefix: _options.CommandPrefix);
        _process = process;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Admin.Token);
        await process.WaitUntilAsync(async ct => (await http.GetAsync(new Uri(Server, "/readyz"), ct)).IsSuccessStatusCode, TimeSpan.FromSeconds(90), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopApiServerAsync();
        await _etcd.DisposeAsync();
        _directory.Dispose();
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static async Task<string> LocateBinaryAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("LONGSHORE_KUBE_APISERVER") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new ComponentMissingException($"LONGSHORE_KUBE_APISERVER points at {configured}, which does not exist");
        }

        var script = RepositoryFile("hack/build-kube-apiserver.sh");
        var result = await ProcessRunner.RunAsync("bash", [script], timeout: TimeSpan.FromMinutes(20), cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new ComponentMissingException($"kube-apiserver could not be built by {script}: {result.StandardError.Trim()}");
        }

        return result.StandardOutput.Trim().Split('\n')[^1].Trim();
    }

    /// <summary>A file of this repository, found by walking up from the test binaries.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
