using System.Text.Json.Nodes;
using Longshore.TestBed;

namespace Longshore.Chart.Tests;

/// <summary>
/// config/ is the source of truth: the chart rendered with its default values (release longshore in
/// longshore-system) must hold the same objects as <c>kubectl kustomize config/default</c>, and with
/// <c>certManager.enabled=true</c> those of <c>config/certmanager</c>, field for field, except the Namespace (Helm's
/// <c>--create-namespace</c> makes it) and the Helm-only labels of <see cref="HelmOnlyMetadata"/>.
/// The chart's copies of the CRDs, alert rules and dashboard must be byte-equal to config/ (make manifests copies them).
/// </summary>
public sealed class ChartSourceOfTruthTests
{
    [Theory]
    [InlineData("config/default")]
    [InlineData("config/certmanager", "certManager.enabled=true")]
    public async Task Values_render_the_objects_of_their_kustomization(string kustomization, params string[] sets)
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync("longshore-system", sets: sets));
        var kubectl = ComponentLocator.Require("kubectl", "kubectl");
        var kustomized = (await ProcessRunner.RunAsync(kubectl, ["kustomize", KubeApiServer.RepositoryFile(kustomization)])).EnsureSuccess().StandardOutput;
        var expected = ManifestSet.Parse(kustomized).Objects
            .Where(o => o.Key != "Namespace//longshore-system")
            .ToDictionary(o => o.Key, o => o.Value);

        expected.Should().NotBeEmpty();
        chart.Objects.Keys.Order(StringComparer.Ordinal).Should().Equal(expected.Keys.Order(StringComparer.Ordinal), $"the chart must install the objects {kustomization} installs, and no others");
        foreach (var (key, want) in expected)
        {
            var got = HelmOnlyMetadata.Strip(chart.Objects[key]);
            JsonNode.DeepEquals(got, want).Should().BeTrue($"{key} differs from {kustomization}:\nchart:\n{ManifestSet.Show(got)}\n{kustomization}:\n{ManifestSet.Show(want)}");
        }
    }

    [Fact]
    public async Task Every_chart_object_carries_the_helm_labels_the_comparison_ignores()
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var chart = ManifestSet.Parse(await renderer.RenderAsync("longshore-system"));
        foreach (var (key, manifest) in chart.Objects.Where(o => o.Value["kind"]!.GetValue<string>() != "CustomResourceDefinition"))
        {
            var labels = manifest["metadata"]!["labels"]?.AsObject();
            labels.Should().NotBeNull(key);
            labels!["app.kubernetes.io/managed-by"]?.GetValue<string>().Should().Be("Helm", key);
            labels["app.kubernetes.io/instance"]?.GetValue<string>().Should().Be("longshore", key);
            labels["helm.sh/chart"]?.GetValue<string>().Should().Be("longshore-0.1.0", key);
        }
    }

    [Theory]
    [InlineData("config/crd/bases", "charts/longshore/crds")]
    [InlineData("config/prometheus/rules/longshore.rules.yaml", "charts/longshore/files/longshore.rules.yaml")]
    [InlineData("config/grafana/longshore-dashboard.json", "charts/longshore/files/longshore-dashboard.json")]
    public void The_chart_ships_byte_equal_copies_of_config(string source, string copy)
    {
        var from = KubeApiServer.RepositoryFile(source);
        var to = KubeApiServer.RepositoryFile(copy);
        var pairs = Directory.Exists(from)
            ? Directory.GetFiles(from).Select(f => (f, Path.Combine(to, Path.GetFileName(f)))).ToList()
            : [(from, to)];
        if (Directory.Exists(from))
        {
            Directory.GetFiles(to).Select(Path.GetFileName).Should().BeEquivalentTo(Directory.GetFiles(from).Select(Path.GetFileName), $"{copy} must hold exactly the files of {source} (run make manifests)");
        }

        foreach (var (a, b) in pairs)
        {
            File.Exists(b).Should().BeTrue($"{b} is missing (run make manifests)");
            File.ReadAllBytes(b).Should().Equal(File.ReadAllBytes(a), $"{b} differs from {a} (run make manifests)");
        }
    }
}
