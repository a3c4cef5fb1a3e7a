using System.Text.Json.Nodes;
using Longshore.TestBed;

namespace Longshore.Chart.Tests;

/// <summary>Non-default values change what they name and nothing else breaks; bad values fail with the value's name.</summary>
public sealed class ChartValuesTests
{
    private const string Digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public async Task A_digest_replaces_the_tag_and_a_tag_replaces_the_app_version()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync(sets: [$"operator.image.digest={Digest}", "agent.image.tag=0.2.0-rc.1", "agent.image.repository=registry.local:5000/longshore/agent"]));

        Container(chart.Single("Deployment"))["image"]!.GetValue<string>().Should().Be($"ghcr.io/longshore/operator@{Digest}");
        Container(chart.Single("DaemonSet"))["image"]!.GetValue<string>().Should().Be("registry.local:5000/longshore/agent:0.2.0-rc.1");
    }

    [Fact]
    public async Task Agent_placement_values_replace_the_every_node_default()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync(values: """
            agent:
              nodeSelector:
                longshore.io/warm: "true"
              tolerations:
              - key: dedicated
                operator: Equal
                value: gpu
                effect: NoSchedule
              priorityClassName: ""
            """));

        var pod = chart.Single("DaemonSet")["spec"]!["template"]!["spec"]!.AsObject();
        JsonNode.DeepEquals(pod["nodeSelector"], JsonNode.Parse("""{"longshore.io/warm": "true"}""")).Should().BeTrue(ManifestSet.Show(pod));
        JsonNode.DeepEquals(pod["tolerations"], JsonNode.Parse("""[{"effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "gpu"}]""")).Should().BeTrue(ManifestSet.Show(pod));
        pod.ContainsKey("priorityClassName").Should().BeFalse();
    }

    [Fact]
    public async Task The_runtime_socket_directory_is_mounted_and_the_socket_in_it_passed_to_the_agent()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync(sets: ["agent.runtimeSocketDir=/run/k3s/containerd/"]));

        var pod = chart.Single("DaemonSet")["spec"]!["template"]!["spec"]!;
        var container = Container(chart.Single("DaemonSet"));
        Arguments(container).Should().ContainInConsecutiveOrder("--runtime-socket", "/run/k3s/containerd/containerd.sock");
        var volume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "runtime-socket-dir")!;
        volume["hostPath"]!["path"]!.GetValue<string>().Should().Be("/run/k3s/containerd");
        volume["hostPath"]!["type"]!.GetValue<string>().Should().Be("Directory");
        container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "runtime-socket-dir")!["mountPath"]!.GetValue<string>().Should().Be("/run/k3s/containerd");
    }

    [Fact]
    public async Task Operator_flags_come_from_values()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync(values: """
            operator:
              replicas: 1
              leaderElection: false
              logFormat: text
              resolveInterval: 10m
              insecureRegistries: [registry.local:5000]
              pinNamespaces: [team-a, team-b]
              tolerationNamespaces: [infra]
              maxImagesPerNode: 200
            """));

        var deployment = chart.Single("Deployment");
        deployment["spec"]!["replicas"]!.GetValue<long>().Should().Be(1);
        Arguments(Container(deployment)).Should().Equal(
            "--log-format", "text", "--resolve-interval", "10m", "--no-leader-election", "--insecure-registry", "registry.local:5000",
            "--pin-namespace", "team-a", "--pin-namespace", "team-b", "--toleration-namespace", "infra", "--max-images-per-node", "200");
    }

    [Fact]
    public async Task Monitoring_toggles_add_the_service_monitor_the_alerts_and_the_dashboard()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var defaults = ManifestSet.Parse(await renderer.RenderAsync());
        var chart = ManifestSet.Parse(await renderer.RenderAsync(sets: ["metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "metrics.grafanaDashboard.enabled=true", "metrics.grafanaDashboard.namespace=monitoring"]));

        foreach (var kind in new[] { "ServiceMonitor", "PodMonitor", "PrometheusRule", "ConfigMap" })
        {
            defaults.OfKind(kind).Should().BeEmpty($"{kind} is off by default");
        }

        chart.Single("ServiceMonitor")["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>().Should().Be("longshore-operator");
        chart.Single("PodMonitor")["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>().Should().Be("longshore-agent");

        // The rules reach Prometheus verbatim: the chart does not evaluate their {{ $labels }} templates.
        var rules = YamlDocuments.Parse(File.ReadAllText(KubeApiServer.RepositoryFile("config/prometheus/rules/longshore.rules.yaml"))).Single();
        JsonNode.DeepEquals(chart.Single("PrometheusRule")["spec"]!["groups"], rules["groups"]).Should().BeTrue();

        var dashboard = chart.Single("ConfigMap");
        dashboard["metadata"]!["namespace"]!.GetValue<string>().Should().Be("monitoring");
        dashboard["metadata"]!["labels"]!["grafana_dashboard"]!.GetValue<string>().Should().Be("1");
        var json = dashboard["data"]!["longshore-dashboard.json"]!.GetValue<string>();
        JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(File.ReadAllText(KubeApiServer.RepositoryFile("config/grafana/longshore-dashboard.json")))).Should().BeTrue();
    }

    [Fact]
    public async Task Cert_manager_issues_the_secret_the_operator_mounts()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync("team-a", sets: ["certManager.enabled=true"]));

        var certificate = chart.Single("Certificate");
        chart.Single("Issuer")["metadata"]!["name"]!.GetValue<string>().Should().Be(certificate["spec"]!["issuerRef"]!["name"]!.GetValue<string>());
        var secret = chart.Single("Deployment")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "webhook-certificate")!["secret"]!["secretName"]!.GetValue<string>();
        certificate["spec"]!["secretName"]!.GetValue<string>().Should().Be(secret);
        certificate["spec"]!["dnsNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain("longshore-webhook.team-a.svc");
        chart.Single("ValidatingWebhookConfiguration")["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]!.GetValue<string>().Should().Be("team-a/longshore-webhook");
    }

    [Fact]
    public async Task The_self_managed_certificate_follows_the_release_names()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync("team-a", release: "edge"));

        var deployment = chart.Single("Deployment");
        Arguments(Container(deployment)).Should().StartWith([
            "--webhook-cert-secret", "edge-longshore-webhook-tls", "--webhook-service", "edge-longshore-webhook",
            "--validating-webhook-configuration", "edge-longshore-validating-webhook", "--mutating-webhook-configuration", "edge-longshore-mutating-webhook"]);
        deployment["spec"]!["template"]!["spec"]!["volumes"].Should().BeNull("the operator keeps its certificate in a Secret it reads through the API");
        chart.Single("ValidatingWebhookConfiguration")["metadata"]!["name"]!.GetValue<string>().Should().Be("edge-longshore-validating-webhook");
        chart.Single("ValidatingWebhookConfiguration")["metadata"]!["annotations"].Should().BeNull();

        var names = chart.Objects.Values.Where(o => o["kind"]!.GetValue<string>() is "Role" or "ClusterRole" && o["metadata"]!["name"]!.GetValue<string>().EndsWith("-operator", StringComparison.Ordinal))
            .SelectMany(o => o["rules"]!.AsArray())
            .SelectMany(r => r!["resourceNames"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])
            .ToList();
        names.Should().BeEquivalentTo(["edge-longshore-webhook-tls", "edge-longshore-validating-webhook", "edge-longshore-mutating-webhook"]);
    }

    [Fact]
    public async Task Every_namespaced_object_and_reference_follows_the_release_namespace()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = await renderer.RenderAsync("team-a");

        chart.Should().NotContain("longshore-system");
        var objects = ManifestSet.Parse(chart);
        objects.Single("Deployment")["metadata"]!["namespace"]!.GetValue<string>().Should().Be("team-a");
        objects.Single("ValidatingWebhookConfiguration")["webhooks"]!.AsArray().Select(w => w!["clientConfig"]!["service"]!["namespace"]!.GetValue<string>()).Should().AllBe("team-a");
    }

    [Theory]
    [InlineData("operator.image.digest=latest", "operator.image.digest")]
    [InlineData("operator.image.repository=", "operator.image.repository is required")]
    [InlineData("agent.runtimeSocketDir=run/containerd", "agent.runtimeSocketDir must be an absolute host path")]
    [InlineData("operator.leaderElection=false", "operator.leaderElection: false needs operator.replicas: 1")]
    public async Task Bad_values_fail_the_render_naming_the_value(string set, string message)
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var result = await renderer.TryRenderAsync(sets: [set]);

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain(message);
    }

    private static JsonObject Container(JsonObject workload) =>
        workload["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!.AsObject();

    private static List<string> Arguments(JsonObject container) =>
        container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
}
