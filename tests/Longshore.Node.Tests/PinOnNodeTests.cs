using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// ImagePolicy Pin on a real node: the API server calls the operator's webhook for the Pods a Deployment's ReplicaSet
/// creates, and kubelet runs them from the held digest even after the tag moved in the registry.
/// </summary>
public sealed class PinOnNodeTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task A_Deployments_Pods_are_admitted_pinned_and_run_the_locked_digest()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        using var admin = cluster.Api.CreateClient();
        await longshore.RegisterWebhooksAsync(admin);
        var (locked, reference) = await Workloads.PublishAppAsync(node, "pin/app:1", "the locked build");
        var repository = node.Registry.Reference("pin/app");

        await Workloads.CreateNamespaceAsync(node, "pinned");
        // The ImagePolicy controller resolves pin/app:1 and holds it (Hold: a later move of the tag waits for approval).
        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        await policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "app", NamespaceProperty = "pinned" },
            Spec = new ImagePolicySpec { Mode = "Pin", Images = [new PolicyImage { Repository = repository, Tag = "1", UpdatePolicy = "Hold" }] },
        });
        await Poll.UntilAsync(
            async () => (await policies.GetAsync("pinned", "app"))?.Status?.Locks?.SingleOrDefault()?.Digest == locked.ManifestDigest.ToString() ? "locked" : null,
            "the controller locks pin/app:1",
            seconds: 60,
            intervalMilliseconds: 200);
        var pinned = $"{repository}:1@{locked.ManifestDigest}";
        await Poll.UntilAsync(
            async () => (await admin.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "probe" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = reference }] } }, "pinned", dryRun: "All")).Spec.Containers[0].Image == pinned ? "pinned" : null,
            "the namespace is labelled and the lock reached the webhook",
            seconds: 60,
            intervalMilliseconds: 200);

        // The tag moves after the lock: the Pods must still run the locked build.
        var (moved, _) = await Workloads.PublishAppAsync(node, "pin/app:1", "a newer build under the same tag");
        moved.ManifestDigest.Should().NotBe(locked.ManifestDigest);

        await Workloads.ApplyAsync(node, Workloads.Deployment("app", "pinned", reference, replicas: 2, pullPolicy: "Always"));
        var pods = await Workloads.WaitRunningAsync(node, "pinned", "app=app", 2);
        pods.Should().OnlyContain(p => p.Spec.Containers.Single().Image == pinned);
        pods.Should().OnlyContain(p => p.Status.ContainerStatuses.Single().ImageID == $"{repository}@{locked.ManifestDigest}", "kubelet ran the locked digest, not the tag's new one");
        var deployment = await admin.AppsV1.ReadNamespacedDeploymentAsync("app", "pinned");
        deployment.Spec.Template.Spec.Containers.Single().Image.Should().Be(reference, "templates are never changed");
        (await cluster.Api.KubectlAsync(["delete", "namespace", "pinned", "--wait=false"])).EnsureSuccess();
    }
}
