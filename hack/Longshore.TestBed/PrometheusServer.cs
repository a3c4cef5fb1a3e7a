using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Longshore.TestBed;

/// <summary>
/// A real Prometheus (Debian <c>prometheus</c>) on a random loopback port with temporary storage, scraping the given
/// targets and evaluating the given rule files at short intervals, so alerts go pending within seconds.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _directory;
    private ServiceProcess? _process;

    private PrometheusServer(TempDirectory directory, int port)
    {
        _directory = directory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (<c>host:port</c>, path /metrics) every <paramref name="interval"/>, which is also the rule evaluation interval.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets, IEnumerable<string> ruleFiles, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(ruleFiles);
        var executable = ComponentLocator.Require("prometheus", "prometheus");
        var directory = TempDirectory.Create("longshore-prometheus");
        var server = new PrometheusServer(directory, FreePort.Next());
        try
        {
            var seconds = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s";
            var config = new StringBuilder()
                .AppendLine("global:")
                .AppendLine($"  scrape_interval: {seconds}")
                .AppendLine($"  scrape_timeout: {seconds}")
                .AppendLine($"  evaluation_interval: {seconds}")
                .AppendLine("rule_files:");
            foreach (var file in ruleFiles)
            {
                config.AppendLine($"- '{Path.GetFullPath(file)}'");
            }

            config.AppendLine("scrape_configs:")
                .AppendLine("- job_name: longshore")
                .AppendLine("  static_configs:")
                .AppendLine($"  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]");
            var configPath = directory.Combine("prometheus.yml");
            await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken);
            server._process = ServiceProcess.Start(executable, [
                $"--config.file={configPath}",
                $"--storage.tsdb.path={directory.Combine("data")}",
                $"--web.listen-address={server.BaseAddress.Host}:{server.BaseAddress.Port}",
                "--log.level=warn",
            ]);
            await server._process.WaitUntilAsync(
                async ct => (await Probe.GetAsync(new Uri(server.BaseAddress, "-/ready"), ct)).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30),
                cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The active alerts (pending and firing) from <c>/api/v1/alerts</c>.</summary>
    public async Task<IReadOnlyList<JsonNode>> AlertsAsync(CancellationToken cancellationToken = default)
    {
        var body = await Probe.GetStringAsync(new Uri(BaseAddress, "api/v1/alerts"), cancellationToken);
        return JsonNode.Parse(body)?["data"]?["alerts"]?.AsArray().Where(a => a is not null).Select(a => a!).ToList() ?? [];
    }

    /// <summary>An instant query's result vector from <c>/api/v1/query</c>.</summary>
    public async Task<JsonArray> QueryAsync(string expression, CancellationToken cancellationToken = default)
    {
        var body = await Probe.GetStringAsync(new Uri(BaseAddress, "api/v1/query?query=" + Uri.EscapeDataString(expression)), cancellationToken);
        return JsonNode.Parse(body)?["data"]?["result"]?.AsArray() ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }

        _directory.Dispose();
    }
}
