namespace Longshore.TestBed;

/// <summary>
/// Renders charts/longshore as <c>helm template</c> does, with hack/chart-render (Go's text/template and sprig, built
/// from Debian's <c>golang-go</c> and <c>golang-github-masterminds-sprig-dev</c> in GOPATH mode): there is no helm binary.
/// </summary>
public sealed class ChartRenderer : IDisposable
{
    private const string GoPath = "/usr/share/gocode";
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static string? _built;
    private readonly TempDirectory _directory = TempDirectory.Create("longshore-chart");
    private readonly string _executable;

    private ChartRenderer(string executable) => _executable = executable;

    /// <summary>The chart folder of this repository.</summary>
    public static string ChartDirectory => KubeApiServer.RepositoryFile("charts/longshore");

    /// <summary>Builds the renderer once per test run (Go caches the compilation across runs).</summary>
    public static async Task<ChartRenderer> BuildAsync(CancellationToken cancellationToken = default)
    {
        await BuildLock.WaitAsync(cancellationToken);
        try
        {
            if (_built is null)
            {
                var go = ComponentLocator.Require("go", "golang-go");
                foreach (var (package, debian) in new[] { ("github.com/Masterminds/sprig", "golang-github-masterminds-sprig-dev"), ("github.com/ghodss/yaml", "golang-github-ghodss-yaml-dev") })
                {
                    if (!Directory.Exists(Path.Combine(GoPath, "src", package)))
                    {
                        throw new ComponentMissingException($"the Go package {package} was not found in {GoPath}; install the Debian package '{debian}' (make test does: hack/deps.sh)");
                    }
                }

                var output = Path.Combine(Directory.CreateTempSubdirectory("longshore-chart-render-").FullName, "chart-render");
                var source = KubeApiServer.RepositoryFile("hack/chart-render");
                var environment = new Dictionary<string, string> { ["GOPATH"] = GoPath, ["GO111MODULE"] = "off", ["GOFLAGS"] = string.Empty };
                if (Environment.GetEnvironmentVariable("GOCACHE") is null && Environment.GetEnvironmentVariable("HOME") is null)
                {
                    environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "longshore-go-cache");
                }

                (await ProcessRunner.RunAsync(go, ["build", "-o", output, "."], workingDirectory: source, environment: environment, timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken)).EnsureSuccess();
                _built = output;
            }

            return new ChartRenderer(_built);
        }
        finally
        {
            BuildLock.Release();
        }
    }

    /// <summary>
    /// The rendered manifests (crds/ first) of release <paramref name="release"/> in <paramref name="namespace"/>,
    /// with <paramref name="values"/> (a values file's YAML, merged over values.yaml) and <c>--set</c> assignments.
    /// </summary>
    public async Task<string> RenderAsync(string @namespace = "longshore-system", string? values = null, IEnumerable<string>? sets = null, string release = "longshore", CancellationToken cancellationToken = default) =>
        (await TryRenderAsync(@namespace, values, sets, release, cancellationToken)).EnsureSuccess().StandardOutput;

    /// <summary>As <see cref="RenderAsync"/>, returning the renderer's exit code and error instead of throwing.</summary>
    public async Task<ProcessResult> TryRenderAsync(string @namespace = "longshore-system", string? values = null, IEnumerable<string>? sets = null, string release = "longshore", CancellationToken cancellationToken = default)
    {
        List<string> arguments = ["--name", release, "--namespace", @namespace];
        if (values is not null)
        {
            var file = _directory.Combine($"values-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(file, values, cancellationToken);
            arguments.AddRange(["-f", file]);
        }

        foreach (var set in sets ?? [])
        {
            arguments.AddRange(["--set", set]);
        }

        arguments.Add(ChartDirectory);
        return await ProcessRunner.RunAsync(_executable, arguments, timeout: TimeSpan.FromMinutes(1), cancellationToken: cancellationToken);
    }

    public void Dispose() => _directory.Dispose();
}
