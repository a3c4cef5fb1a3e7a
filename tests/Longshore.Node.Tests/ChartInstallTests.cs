using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// charts/longshore rendered as <c>helm template</c> does (hack/chart-render) with the values a user of this cluster
/// would set (the registry's images, containerd's socket folder, the registry as plain HTTP), applied through the
/// overlay of <see cref="LongshoreInstall"/>.
/// </summary>
public sealed class ChartInstallTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task The_rendered_chart_installs_a_working_Longshore_from_the_built_images()
    {
        var node = cluster.Node;
        var (agent, @operator) = await LongshoreInstall.PushImagesAsync(node);
        using var renderer = await ChartRenderer.BuildAsync();
        var rendered = await renderer.RenderAsync("longshore-system", values: $"""
            operator:
              image: {"{"}repository: {@operator[..@operator.LastIndexOf(':')]}, tag: test{"}"}
              insecureRegistries: ["{node.Registry.Host}"]
            agent:
              image: {"{"}repository: {agent[..agent.LastIndexOf(':')]}, tag: test{"}"}
              runtimeSocketDir: {Path.GetDirectoryName(node.ContainerdSocket)}
            """);
        using var overlay = TempDirectory.Create("longshore-install");
        await File.WriteAllTextAsync(overlay.Combine("chart.yaml"), rendered);
        await LongshoreInstall.WriteOverlayAsync(node, overlay.Path, "chart.yaml");
        // The release's namespace comes first, as helm install --create-namespace makes it.
        (await node.Api.KubectlAsync(["create", "namespace", "longshore-system"])).EnsureSuccess();

        await LongshoreInstall.InstallAndProveAsync(node, overlay.Path);
    }
}
