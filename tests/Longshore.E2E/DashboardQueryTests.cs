using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Longshore.Agent;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.E2E;

/// <summary>
/// Every query of the Grafana dashboard (config/grafana/longshore-dashboard.json) against a real Prometheus scraping
/// the operator and an agent that work for real (an ImagePrePull pulled into containerd, an ImagePolicy resolved at
/// the registry, an ImagePrune scheduled, objects admitted through the registered webhook): each query parses, and
/// every series selector in it (metric name and label matchers) has at least one series, so a renamed or dropped
/// metric or label fails here.
/// </summary>
public sealed partial class DashboardQueryTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string NodeName = "dashboard-node";
    private static readonly HashSet<string> Keywords = ["and", "or", "unless", "bool", "offset", "inf", "nan"];

    [Fact]
    public async Task Every_dashboard_query_parses_and_every_series_it_selects_exists()
    {
        var queries = DashboardQueries();
        queries.Should().HaveCountGreaterThan(10);

        var api = cluster.Api;
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["dashboard"] = "yes" } } });
        var image = new TestImageBuilder().WithRandomLayer(100_000, 71).WithFile("srv/dash", "1").Build();
        await Skopeo.PublishAsync(image, cluster.Registry, "dash/web:1");
        var reference = cluster.Registry.Reference("dash/web:1");
        var repository = cluster.Registry.Reference("dash/web");

        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        using var agentClient = api.CreateClient(api.Identities["agent"]);
        var operatorOptions = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaderElection = false,
            InsecureRegistries = [cluster.Registry.Host],
            Identity = "dashboard-test",
        };
        await using var operatorApp = OperatorHost.Build(operatorOptions, operatorClient);
        await operatorApp.StartAsync();
        await WebhookRegistration.RegisterAsync(admin, operatorOptions.WebhookPort, operatorApp.Services.GetRequiredService<WebhookCertificate>().CertificatePem);
        try
        {
            await using var runtime = new CriImageRuntime(cluster.Containerd.SocketPath);
            var agentOptions = new AgentOptions { NodeName = NodeName, Namespace = OperatorInstall.Namespace, ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), HeartbeatInterval = TimeSpan.FromSeconds(5) };
            await using var agentApp = AgentHost.Build(agentOptions, agentClient, runtime);
            await agentApp.StartAsync();
            await using var prometheus = await PrometheusServer.StartAsync(
                [$"127.0.0.1:{operatorOptions.MetricsPort}", $"127.0.0.1:{agentOptions.MetricsPort}"], [], TimeSpan.FromSeconds(1));

            using var scratch = TempDirectory.Create("longshore-dashboard");
            var manifests = scratch.Combine("objects.yaml");
            await File.WriteAllTextAsync(manifests, $$"""
                apiVersion: longshore.io/v1alpha1
                kind: ImagePrePull
                metadata: {name: dash, namespace: default}
                spec:
                  images: ["{{reference}}"]
                  nodeSelector:
                    matchLabels: {dashboard: "yes"}
                ---
                apiVersion: longshore.io/v1alpha1
                kind: ImagePolicy
                metadata: {name: dash, namespace: default}
                spec:
                  mode: Audit
                  images:
                  - repository: {{repository}}
                    tag: "1"
                ---
                apiVersion: longshore.io/v1alpha1
                kind: ImagePrune
                metadata: {name: dash}
                spec:
                  schedule: "0 3 * * *"
                  mode: Unused
                  olderThan: 168h
                  dryRun: true

                """);
            (await api.KubectlAsync(["apply", "-f", manifests])).EnsureSuccess();
            (await api.KubectlAsync(["wait", "--for=condition=Ready", "imageprepull/dash", "-n", "default", "--timeout=100s"])).EnsureSuccess();

            var selectors = queries.SelectMany(Selectors).ToHashSet(StringComparer.Ordinal);
            selectors.Should().NotBeEmpty();
            try
            {
                await Poll.UntilAsync(async () => (await AbsentAsync(prometheus, selectors)).Count == 0 ? "all" : null, "Prometheus has series for every selector of the dashboard", seconds: 60, intervalMilliseconds: 1000);
            }
            catch (TimeoutException)
            {
                string.Join(", ", await AbsentAsync(prometheus, selectors)).Should().BeEmpty("every metric a dashboard query selects must be exported with the labels it selects (a renamed metric or label leaves its panel empty)");
            }

            using var http = new HttpClient();
            foreach (var query in queries)
            {
                var response = await http.GetAsync(new Uri(prometheus.BaseAddress, "api/v1/query?query=" + Uri.EscapeDataString(query)));
                var body = await response.Content.ReadAsStringAsync();
                response.StatusCode.Should().Be(HttpStatusCode.OK, $"Prometheus must accept the query {query}: {body}");
                JsonNode.Parse(body)!["status"]!.GetValue<string>().Should().Be("success", query);
            }
        }
        finally
        {
            await WebhookRegistration.UnregisterAsync(admin);
            await operatorApp.StopAsync();
        }
    }

    [Fact]
    public void Selectors_are_what_remains_after_ranges_groupings_functions_and_keywords()
    {
        Selectors("""histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{http_route=~"/validate|/pin"}[5m])))""")
            .Should().Equal("""http_server_request_duration_seconds_bucket{http_route=~"/validate|/pin"}""");
        Selectors("time() - max by (node) (longshore_nodeimage_heartbeat_timestamp_seconds) > 300 and on (node) up offset 5m")
            .Should().Equal("longshore_nodeimage_heartbeat_timestamp_seconds", "up");
    }

    private static List<string> DashboardQueries()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(KubeApiServer.RepositoryFile("config/grafana/longshore-dashboard.json")))!;
        return dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => t!["expr"]!.GetValue<string>())
            .ToList();
    }

    /// <summary>
    /// The series selectors of a PromQL expression (metric name and its label matchers): identifiers left once ranges,
    /// groupings, function calls, keywords and numbers are set aside.
    /// </summary>
    private static List<string> Selectors(string query) =>
        Selector().Matches(Grouping().Replace(Range().Replace(query, " "), " "))
            .Where(m => !m.Groups["call"].Success && !Keywords.Contains(m.Groups["name"].Value.ToLowerInvariant()))
            .Select(m => m.Groups["name"].Value + m.Groups["matchers"].Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static async Task<List<string>> AbsentAsync(PrometheusServer prometheus, IEnumerable<string> selectors)
    {
        var absent = new List<string>();
        foreach (var selector in selectors)
        {
            if ((await prometheus.QueryAsync($"count({selector})")).Count == 0)
            {
                absent.Add(selector);
            }
        }

        return absent;
    }

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.:])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?<matchers>\{[^}]*\})?(?<call>\s*\()?")]
    private static partial Regex Selector();
}
