using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Api.Tests;

[CollectionDefinition(Name)]
public sealed class KubeCollection : ICollectionFixture<KubeApiServerFixture>
{
    public const string Name = "kube";
}

/// <summary>The generated CRDs against a real kube-apiserver v1.20.2.</summary>
[Collection(KubeCollection.Name)]
public sealed class ApiServerTests(KubeApiServerFixture fixture)
{
    [Fact]
    public async Task Crds_install_and_kubectl_get_longshore_lists_the_samples()
    {
        await fixture.Server.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        await fixture.Server.ApplyAsync(KubeApiServer.RepositoryFile("config/samples"));

        var all = (await fixture.Server.KubectlAsync(["get", "longshore", "-A"])).EnsureSuccess().StandardOutput;
        all.Should().Contain("imageprepull.longshore.io/web-tier").And.Contain("imagepolicy.longshore.io/payments")
            .And.Contain("imageprune.longshore.io/nightly").And.Contain("nodeimage.longshore.io/worker-1");
        var pulls = (await fixture.Server.KubectlAsync(["get", "ipp", "-n", "default"])).EnsureSuccess().StandardOutput;
        pulls.Should().StartWith("NAME").And.Contain("READY").And.Contain("DESIRED").And.Contain("AGE");
        var prunes = (await fixture.Server.KubectlAsync(["get", "iprune"])).EnsureSuccess().StandardOutput;
        prunes.Should().Contain("LAST RUN").And.Contain("RECLAIMED");

        // Defaults from the schema are filled in by the API server.
        var policyYaml = (await fixture.Server.KubectlAsync(["get", "ipol", "payments", "-n", "default", "-o", "yaml"])).EnsureSuccess().StandardOutput;
        var policy = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePolicy>(policyYaml);
        policy.Spec.Mode.Should().Be("Audit");
        var pullYaml = (await fixture.Server.KubectlAsync(["get", "ipp", "web-tier", "-n", "default", "-o", "yaml"])).EnsureSuccess().StandardOutput;
        k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePrePull>(pullYaml).Spec.Pin.Should().BeTrue();
    }

    [Fact]
    public async Task Schema_rejects_structurally_wrong_objects()
    {
        await fixture.Server.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        using var scratch = TempDirectory.Create("longshore-bad");
        var path = scratch.Combine("bad.yaml");
        await File.WriteAllTextAsync(path, "apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata:\n  name: bad\nspec:\n  schedule: '@daily'\n  mode: Everything\n  diskUsageAbove: 150\n");
        var result = await fixture.Server.KubectlAsync(["apply", "-f", path]);
        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("spec.mode").And.Contain("spec.diskUsageAbove");
    }
}
