using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// ImagePolicy Pin and Enforce on a real node: the API server calls the operator's webhooks for the Pods a
/// Deployment's ReplicaSet creates; Pin rewrites them to the held digest, which kubelet runs even after the tag moved
/// in the registry (the move shows as drift); Enforce admits Pods that name the locked digest and refuses the others.
/// </summary>
public sealed class PinOnNodeTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task A_Deployments_Pods_are_admitted_pinned_and_run_the_locked_digest()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        using var admin = cluster.Api.CreateClient();
        await longshore.RegisterWebhooksAsync(node);
        var (locked, reference) = await Workloads.PublishAppAsync(node, "pin/app:1", "the locked build");
        var repository = node.Registry.Reference("pin/app");

        // The ImagePolicy controller resolves pin/app:1 and holds it (Hold: a later move of the tag waits for approval).
        var policies = await HoldTagOneAsync(node, admin, "pinned", "Pin", repository);
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

        // The held lock stays; the tag's move is drift until someone approves the new digest.
        await policies.PatchAsync("pinned", "app", new { metadata = new { annotations = new Dictionary<string, string> { [PolicyRefresh.Annotation] = "moved" } } });
        var drifted = await Poll.UntilAsync(
            async () => await policies.GetAsync("pinned", "app") is { Status.Drift.TagMoved: 1 } p && Conditions.IsTrue(p.Status.Conditions, PolicyConditions.Drifted) ? p : null,
            "the moved tag shows as drift",
            seconds: 60,
            intervalMilliseconds: 200);
        var lockStatus = drifted.Status!.Locks!.Single();
        (lockStatus.Digest, lockStatus.RegistryDigest).Should().Be((locked.ManifestDigest.ToString(), moved.ManifestDigest.ToString()));
        drifted.Status.Drift!.PodsOffDigest.Should().Be(0, "the Pods run the held digest");
        (await cluster.Api.KubectlAsync(["delete", "namespace", "pinned", "--wait=false"])).EnsureSuccess();
    }

    [Fact]
    public async Task Enforce_admits_the_Deployment_on_the_locked_digest_and_refuses_the_ones_off_it()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        using var admin = cluster.Api.CreateClient();
        await longshore.RegisterWebhooksAsync(node);
        var (locked, reference) = await Workloads.PublishAppAsync(node, "enforce/app:1", "the approved build");
        var (other, _) = await Workloads.PublishAppAsync(node, "enforce/app:2", "a build nobody approved");
        var repository = node.Registry.Reference("enforce/app");

        var policies = await HoldTagOneAsync(node, admin, "enforced", "Enforce", repository);
        var onDigest = $"{repository}:1@{locked.ManifestDigest}";
        var offDigest = $"{repository}@{other.ManifestDigest}";
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    await admin.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "probe" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = offDigest }] } }, "enforced", dryRun: "All");
                    return null;
                }
                catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Forbidden)
                {
                    // Refused before the lock too ("has not locked a digest ... yet"); the lock is there once it names the digest.
                    return e.Response.Content.Contains($"expected {locked.ManifestDigest}", StringComparison.Ordinal) ? "refused" : null;
                }
            },
            "the namespace is labelled and the lock reached the webhook",
            seconds: 60,
            intervalMilliseconds: 200);

        // Pods on the locked digest are admitted untouched (Enforce never rewrites) and kubelet runs that digest.
        await Workloads.ApplyAsync(node, Workloads.Deployment("good", "enforced", onDigest, replicas: 1));
        var pods = await Workloads.WaitRunningAsync(node, "enforced", "app=good", 1);
        pods.Single().Spec.Containers.Single().Image.Should().Be(onDigest);
        pods.Single().Status.ContainerStatuses.Single().ImageID.Should().Be($"{repository}@{locked.ManifestDigest}");

        // A tag alone, and another digest, are refused: the ReplicaSets record why and no Pod is created.
        await Workloads.ApplyAsync(node, Workloads.Deployment("by-tag", "enforced", reference, replicas: 1));
        await Workloads.ApplyAsync(node, Workloads.Deployment("other", "enforced", offDigest, replicas: 1));
        foreach (var (app, image) in new[] { ("by-tag", reference), ("other", offDigest) })
        {
            var refusal = await Poll.UntilAsync(
                async () => (await admin.CoreV1.ListNamespacedEventAsync("enforced")).Items
                    .FirstOrDefault(e => e.Reason == "FailedCreate" && e.InvolvedObject.Kind == "ReplicaSet" && e.InvolvedObject.Name.StartsWith(app + "-", StringComparison.Ordinal))?.Message,
                $"the ReplicaSet of {app} is refused",
                seconds: 60,
                intervalMilliseconds: 250);
            refusal.Should().Contain("denied the request").And.Contain("container \"main\"").And.Contain(image).And.Contain($"expected {locked.ManifestDigest}");
            (await admin.CoreV1.ListNamespacedPodAsync("enforced", labelSelector: $"app={app}")).Items.Should().BeEmpty();
        }

        (await cluster.Api.KubectlAsync(["delete", "namespace", "enforced", "--wait=false"])).EnsureSuccess();
    }

    /// <summary>A namespace with an ImagePolicy <c>app</c> in <paramref name="mode"/> that holds tag 1 of <paramref name="repository"/>.</summary>
    private static async Task<CustomResourceClient<V1Alpha1ImagePolicy>> HoldTagOneAsync(KubeNode node, IKubernetes admin, string @namespace, string mode, string repository)
    {
        await Workloads.CreateNamespaceAsync(node, @namespace);
        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        await policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "app", NamespaceProperty = @namespace },
            Spec = new ImagePolicySpec { Mode = mode, Images = [new PolicyImage { Repository = repository, Tag = "1", UpdatePolicy = "Hold" }] },
        });
        return policies;
    }
}
