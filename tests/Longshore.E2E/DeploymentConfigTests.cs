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

        using var scratch = TestBed.TempDirectory.Create("longshore-config");
        var manifest = scratch.Combine("default.yaml");
        await File.WriteAllTextAsync(manifest, Testing.TestBedManifests.ForApiServer(built));
        var result = await cluster.Api.KubectlAsync(["apply", "-f", manifest, "--dry-run=server"]);
        result.EnsureSuccess().StandardOutput.Should().Contain("daemonset.apps/longshore-agent").And.Contain("deployment.apps/longshore-operator")
            .And.Contain("poddisruptionbudget.policy/longshore-operator");
    }

    [Fact]
    public async Task Default_config_needs_no_cert_manager_and_the_certmanager_overlay_builds()
    {
        var defaults = (await cluster.Api.KubectlAsync(["kustomize", TestBed.KubeApiServer.RepositoryFile("config/default")])).EnsureSuccess().StandardOutput;
        defaults.Should().NotContain("cert-manager", "the operator keeps its own webhook certificate by default")
            .And.NotContain("secretName:", "the operator mounts no Secret that nothing creates")
            .And.Contain("kind: PodDisruptionBudget");

        var overlay = (await cluster.Api.KubectlAsync(["kustomize", TestBed.KubeApiServer.RepositoryFile("config/certmanager")])).EnsureSuccess().StandardOutput;
        overlay.Should().Contain("kind: Certificate").And.Contain("kind: Issuer")
            .And.Contain("cert-manager.io/inject-ca-from: longshore-system/longshore-webhook")
            .And.Contain("--webhook-cert-dir")
            .And.Contain("secretName: longshore-webhook-cert");
    }
}
