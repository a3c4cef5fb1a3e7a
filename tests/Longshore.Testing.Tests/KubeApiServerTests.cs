using Longshore.TestBed;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Longshore.Testing.Tests;

[CollectionDefinition(Name)]
public sealed class KubeCollection : ICollectionFixture<KubeApiServerFixture>
{
    public const string Name = "kube";
}

[Collection(KubeCollection.Name)]
public sealed class KubeApiServerTests(KubeApiServerFixture fixture)
{
    [Fact]
    public async Task Admin_can_write_and_plain_identities_are_refused_by_rbac()
    {
        using var admin = fixture.Server.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "fixture-rbac" } });
        (await admin.CoreV1.ListNamespaceAsync()).Items.Should().Contain(n => n.Metadata.Name == "fixture-rbac");

        using var reader = fixture.Server.CreateClient(fixture.Server.Identities["reader"]);
        var act = () => reader.CoreV1.ListNamespaceAsync();
        (await act.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Kubectl_talks_to_it()
    {
        var result = await fixture.Server.KubectlAsync(["get", "namespaces", "-o", "name"]);
        result.EnsureSuccess().StandardOutput.Should().Contain("namespace/default");
    }

    [Fact]
    public async Task Restart_keeps_the_data()
    {
        using var admin = fixture.Server.CreateClient();
        await admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kept" }, Data = new Dictionary<string, string> { ["a"] = "b" } }, "default");
        await fixture.Server.StopApiServerAsync();
        await fixture.Server.StartApiServerAsync();
        (await admin.CoreV1.ReadNamespacedConfigMapAsync("kept", "default")).Data["a"].Should().Be("b");
    }
}
