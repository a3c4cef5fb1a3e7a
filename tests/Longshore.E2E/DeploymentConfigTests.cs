namespace Longshore.E2E;

/// <summary>The kustomize config is what a user applies: it must build and pass the real API server's validation.</summary>
public sealed class DeploymentConfigTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Default_config_passes_a_server_side_dry_run()
    {
        var folder = TestBed.KubeApiServer.RepositoryFile("config/default");
        var built = (await cluster.Api.KubectlAsync(["kustomize", folder])).EnsureSuccess().StandardOutput;
        built.Should().Contain("kind: DaemonSet").And.Contain("kind: Deployment").And.Contain("kind: ValidatingWebhookConfiguration").And.Contain("kind: CustomResourceDefinition");

        var result = await cluster.Api.KubectlAsync(["apply", "-k", folder, "--dry-run=server"]);
        result.EnsureSuccess().StandardOutput.Should().Contain("daemonset.apps/longshore-agent").And.Contain("deployment.apps/longshore-operator");
    }
}
