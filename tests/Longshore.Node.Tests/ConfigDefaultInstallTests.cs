using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// <c>kubectl apply -k</c> of config/default through an overlay that, beside what <see cref="LongshoreInstall"/> adds,
/// sets what a user of this cluster would: the registry's image names, containerd's socket folder on this node and the
/// registry as plain HTTP for the operator's digest resolution.
/// </summary>
public sealed class ConfigDefaultInstallTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task Config_default_installs_a_working_Longshore_from_the_built_images()
    {
        var node = cluster.Node;
        var (agent, @operator) = await LongshoreInstall.PushImagesAsync(node);
        using var overlay = TempDirectory.Create("longshore-install");
        await LongshoreInstall.WriteOverlayAsync(node, overlay.Path, Path.GetRelativePath(overlay.Path, KubeApiServer.RepositoryFile("config/default")), $$"""
            - target: {kind: Deployment, name: longshore-operator}
              patch: |
                - {op: add, path: /spec/template/spec/containers/0/args/-, value: "--insecure-registry"}
                - {op: add, path: /spec/template/spec/containers/0/args/-, value: "{{node.Registry.Host}}"}
            - patch: |
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: longshore-agent, namespace: longshore-system}
                spec:
                  template:
                    spec:
                      volumes:
                      - name: runtime-socket-dir
                        hostPath: {path: {{Path.GetDirectoryName(node.ContainerdSocket)}}}
            images:
            - name: ghcr.io/longshore/agent
              newName: {{agent[..agent.LastIndexOf(':')]}}
              newTag: test
            - name: ghcr.io/longshore/operator
              newName: {{@operator[..@operator.LastIndexOf(':')]}}
              newTag: test
            """);

        await LongshoreInstall.InstallAndProveAsync(node, overlay.Path);
    }
}
